import Glibc
import PipelineCore
import Synchronization

/// The pipe through which other threads wake a backend thread blocked in `poll()`, plus the stop
/// request it then checks.
///
/// A pipe because `eventfd` and `pipe2` are not exported by the Glibc module; both ends are
/// close-on-exec (commands we spawn must not inherit them) and non-blocking, so `wake()` never
/// blocks when the pipe is full: a full pipe already means "wake up". The descriptors close when
/// the last owner lets go, which is after the thread was joined.
final class WakePipe: Sendable {
  let readDescriptor: Int32
  private let writeDescriptor: Int32
  private let flags = Mutex(Flags())

  private struct Flags {
    var stopRequested = false
    /// A byte is in the pipe and not drained yet: a second one would add nothing.
    var wakePending = false
  }

  init() throws(WatchSystemError) {
    var ends: [Int32] = [-1, -1]
    guard pipe(&ends) == 0 else { throw WatchSystemError(operation: "pipe", code: errno) }
    for end in ends {
      _ = fcntl(end, F_SETFD, FD_CLOEXEC)
      _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
    }
    readDescriptor = ends[0]
    writeDescriptor = ends[1]
  }

  deinit {
    close(readDescriptor)
    close(writeDescriptor)
  }

  var isStopRequested: Bool { flags.withLock { $0.stopRequested } }

  /// Makes the thread's next (or current) `poll()` return.
  func wake() {
    flags.withLock { flags in
      guard !flags.wakePending else { return }
      var byte: UInt8 = 1
      flags.wakePending = write(writeDescriptor, &byte, 1) == 1
    }
  }

  func requestStop() {
    flags.withLock { $0.stopRequested = true }
    wake()
  }

  /// Empties the pipe; the thread calls it when `poll()` reported the read end readable.
  func drain() {
    flags.withLock { flags in
      var bytes: (UInt64, UInt64) = (0, 0)
      while withUnsafeMutableBytes(of: &bytes, { read(readDescriptor, $0.baseAddress, $0.count) }) > 0 {}
      flags.wakePending = false
    }
  }

  /// Blocks until woken or until `timeout` passes (`nil`: no limit), also watching `other`
  /// (pass -1 for none). Returns whether `other` is readable.
  func wait(alsoOn other: Int32, timeout: Duration?) -> Bool {
    var descriptors = (
      pollfd(fd: readDescriptor, events: Int16(POLLIN), revents: 0),
      pollfd(fd: other, events: Int16(POLLIN), revents: 0)
    )
    let milliseconds = timeout.map { Int32(clamping: max(0, $0.roundedUpMilliseconds)) } ?? -1
    let count = withUnsafeMutablePointer(to: &descriptors) {
      $0.withMemoryRebound(to: pollfd.self, capacity: 2) {
        poll($0, other >= 0 ? 2 : 1, milliseconds)
      }
    }
    guard count > 0 else { return false }
    if descriptors.0.revents != 0 { drain() }
    return other >= 0 && descriptors.1.revents & Int16(POLLIN | POLLERR | POLLHUP) != 0
  }
}

extension Duration {
  /// Whole milliseconds, rounded up so that a wait never ends before the duration passed.
  fileprivate var roundedUpMilliseconds: Int64 {
    let (seconds, attoseconds) = components
    return seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
  }
}
