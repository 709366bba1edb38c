/// Calls `body` with a NULL-terminated C array of C strings: `argv` for a spawn.
///
/// Every string is copied into one buffer, NUL after NUL, with one array of pointers into it:
/// two allocations per call (none when both fit the stack), where a `strdup` each made one per
/// string, and a command's environment has dozens. As with `strdup`, a string holding a NUL
/// ends there for C.
func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
  var byteCount = 0
  for string in strings { byteCount += string.utf8.count + 1 }
  return withCStringBuffer(count: strings.count, byteCount: byteCount, body) { bytes, pointers in
    var offset = 0
    for (index, string) in strings.enumerated() {
      pointers[index] = bytes.baseAddress! + offset
      offset = copyUTF8(of: string, into: bytes, at: offset)
      bytes[offset] = 0
      offset += 1
    }
  }
}

/// Calls `body` with `environment` as a NULL-terminated C array of `KEY=VALUE` strings (`envp`),
/// in the dictionary's order, without making a `String` for each line.
func withCStringArray<R>(
  environment: [String: String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R
) -> R {
  var byteCount = 0
  for (key, value) in environment { byteCount += key.utf8.count + value.utf8.count + 2 }
  return withCStringBuffer(count: environment.count, byteCount: byteCount, body) { bytes, pointers in
    var offset = 0
    for (index, (key, value)) in environment.enumerated() {
      pointers[index] = bytes.baseAddress! + offset
      offset = copyUTF8(of: key, into: bytes, at: offset)
      bytes[offset] = CChar(UInt8(ascii: "="))
      offset = copyUTF8(of: value, into: bytes, at: offset + 1)
      bytes[offset] = 0
      offset += 1
    }
  }
}

/// A buffer of `byteCount` bytes and one of `count + 1` pointers (the last one `nil`), filled
/// by `fill`, then handed to `body` as the pointer array.
private func withCStringBuffer<R>(
  count: Int, byteCount: Int, _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R,
  fill: (UnsafeMutableBufferPointer<CChar>, UnsafeMutableBufferPointer<UnsafeMutablePointer<CChar>?>) -> Void
) -> R {
  withUnsafeTemporaryAllocation(of: CChar.self, capacity: max(1, byteCount)) { bytes in
    withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<CChar>?.self, capacity: count + 1) { pointers in
      fill(bytes, pointers)
      pointers[count] = nil
      return body(UnsafePointer(pointers.baseAddress!))
    }
  }
}

/// Copies the UTF-8 bytes of `string` into `buffer` from `offset`; returns the offset after them.
private func copyUTF8(of string: String, into buffer: UnsafeMutableBufferPointer<CChar>, at offset: Int) -> Int {
  var offset = offset
  let copied = string.utf8.withContiguousStorageIfAvailable { utf8 in
    guard !utf8.isEmpty else { return 0 }
    UnsafeMutableRawPointer(buffer.baseAddress! + offset).copyMemory(from: utf8.baseAddress!, byteCount: utf8.count)
    return utf8.count
  }
  if let copied { return offset + copied }
  for byte in string.utf8 {
    buffer[offset] = CChar(bitPattern: byte)
    offset += 1
  }
  return offset
}
