import CPipelineSystem
import FoundationEssentials
@preconcurrency import Glibc
import Synchronization

/// Reads the standard output and error of every process `pipeline` starts, on one thread
/// that lives as long as `pipeline`, and hands them over line by line.
///
/// One thread for all, waiting in `epoll_wait`, rather than a thread per process: a command
/// start no longer creates and ends a thread, which cost about as much CPU as the rest of
/// the start on the way from a save to the app's restart, and a thread's stack and malloc
/// arena stay with `pipeline` after it ends.
///
/// The callbacks run on that thread, one at a time: they must not block (they hand lines to
/// the event sinks and check a ready pattern).
final class OutputPump: Sendable {
  /// The pump every ``ChildProcess`` uses; its thread starts with the first process.
  static let shared = OutputPump()

  /// One process's two streams, as given to ``read(stdout:stderr:onLine:onEnd:)``.
  private struct Registration: Sendable {
    let token: UInt64
    let stdout: Int32
    let stderr: Int32
    let onLine: @Sendable (OutputChannel, String) -> Void
    let onEnd: @Sendable () -> Void
  }

  private let epoll: Int32
  /// Registered and not yet taken over by the pump's thread.
  private let arrivals = Mutex<[Registration]>([])
  private let tokens = Counter()

  private init() {
    epoll = pipeline_epoll_create()
    guard epoll >= 0 else { return }
    startDetachedThread(named: "pipeline-output") { [self] in
      pump()
    }
  }

  /// Reads `stdout` and `stderr` until both end, calls `onLine` with every line (on the pump's
  /// thread, in order per stream), closes them, then calls `onEnd`.
  func read(
    stdout: Int32, stderr: Int32, onLine: @escaping @Sendable (OutputChannel, String) -> Void,
    onEnd: @escaping @Sendable () -> Void
  ) {
    guard epoll >= 0 else {
      // No epoll (the descriptor limit was reached at the first command): a thread of its own.
      startDetachedThread(named: "pipeline-output") {
        Self.readBlocking(stdout: stdout, stderr: stderr, onLine: onLine)
        onEnd()
      }
      return
    }
    let token = UInt64(tokens.next())
    // Known to the pump before either stream can be reported: it takes the arrivals in after
    // every wait, before it looks at what is ready.
    arrivals.withLock { $0.append(Registration(token: token, stdout: stdout, stderr: stderr, onLine: onLine, onEnd: onEnd)) }
    _ = pipeline_epoll_add(epoll, stdout, token << 1)
    _ = pipeline_epoll_add(epoll, stderr, token << 1 | 1)
  }

  // MARK: - The pump's thread

  /// A process being read: its streams still open, and what to call. Lives on the pump's
  /// thread only.
  private final class Reading {
    let registration: Registration
    var splitters = [LineSplitter(), LineSplitter()]
    var open = 2
    init(_ registration: Registration) { self.registration = registration }
    func descriptor(_ stream: Int) -> Int32 { stream == 0 ? registration.stdout : registration.stderr }
  }

  private func pump() {
    var readings: [UInt64: Reading] = [:]
    var ready = [UInt64](repeating: 0, count: 64)
    var buffer = [UInt8](repeating: 0, count: 16 * 1024)
    let channels: [OutputChannel] = [.stdout, .stderr]
    while true {
      let count = pipeline_epoll_wait(epoll, &ready, Int32(ready.count))
      for registration in arrivals.withLock({ arrivals in defer { arrivals = [] }; return arrivals }) {
        readings[registration.token] = Reading(registration)
      }
      guard count > 0 else { continue }  // EINTR
      for tag in ready[..<Int(count)] {
        guard let reading = readings[tag >> 1] else { continue }
        let stream = Int(tag & 1)
        let fd = reading.descriptor(stream)
        let channel = channels[stream]
        let onLine = reading.registration.onLine
        let read = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if read < 0, errno == EINTR || errno == EAGAIN { continue }
        guard read > 0 else {
          reading.splitters[stream].finish { onLine(channel, $0) }
          _ = pipeline_epoll_remove(epoll, fd)
          close(fd)
          reading.open -= 1
          if reading.open == 0 {
            readings[tag >> 1] = nil
            reading.registration.onEnd()
          }
          continue
        }
        buffer.withUnsafeBytes { bytes in
          reading.splitters[stream].split(UnsafeRawBufferPointer(rebasing: bytes[..<read])) { onLine(channel, $0) }
        }
      }
    }
  }

  /// Without epoll: reads both streams on the calling thread until both end.
  private static func readBlocking(stdout: Int32, stderr: Int32, onLine: @Sendable (OutputChannel, String) -> Void) {
    var fds = [pollfd(fd: stdout, events: Int16(POLLIN), revents: 0), pollfd(fd: stderr, events: Int16(POLLIN), revents: 0)]
    var splitters = [LineSplitter(), LineSplitter()]
    let channels: [OutputChannel] = [.stdout, .stderr]
    var buffer = [UInt8](repeating: 0, count: 16 * 1024)
    var open = 2
    while open > 0 {
      if poll(&fds, nfds_t(fds.count), -1) < 0 {
        if errno == EINTR { continue }
        break
      }
      for index in fds.indices where fds[index].fd >= 0 && fds[index].revents != 0 {
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fds[index].fd, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else {
          splitters[index].finish { onLine(channels[index], $0) }
          close(fds[index].fd)
          fds[index].fd = -1
          open -= 1
          continue
        }
        buffer.withUnsafeBytes { bytes in
          splitters[index].split(UnsafeRawBufferPointer(rebasing: bytes[..<count])) { onLine(channels[index], $0) }
        }
      }
    }
  }
}
