/// Calls `body` with `folder/name` as a NUL-terminated C path written on the stack, spelt as
/// a join of the two is (no second `/` after the folder `/`).
///
/// For `stat`, `access` and the like on a path made of two parts: a `String` joined for the
/// call, which the call then copies into a C array once more, cost two allocations each time.
package func withJoinedCPath<R>(
  _ folder: some StringProtocol, _ name: some StringProtocol, _ body: (UnsafePointer<CChar>) -> R
) -> R {
  let separator = folder == "/" ? 0 : 1
  let count = folder.utf8.count + separator + name.utf8.count
  return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count + 1) { buffer in
    var end = buffer.initialize(from: folder.utf8).1
    if separator == 1 {
      buffer[end] = UInt8(ascii: "/")
      end += 1
    }
    end = UnsafeMutableBufferPointer(rebasing: buffer[end...]).initialize(from: name.utf8).1 + end
    buffer[end] = 0
    return buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
  }
}
