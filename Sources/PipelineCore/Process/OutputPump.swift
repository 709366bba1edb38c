import CPipelineSystem
import FoundationEssentials
@preconcurrency import Glibc
import Synchronization

/// Reads the standard output and error of every process `pipeline` starts, on the engine's
/// thread (``EngineExecutor``), and hands them over line by line.
///
/// One epoll set for all processes, itself watched by the engine's thread, rather than a
/// thread per process: a command start creates and ends no thread, and the end of a
/// command's output resumes the stage waiting for it without a hand-off from another thread.
/// (When the engine cannot watch descriptors, the pump waits on a thread of its own.)
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
    let standardOutputLineLimit: Int
    let onLine: @Sendable (OutputChannel, String) -> Void
    let onEnd: @Sendable () -> Void
  }

  private let epoll: Int32
  /// Registered and not yet taken over by the pump.
  private let arrivals = Mutex<[Registration]>([])
  private let tokens = Counter()
  /// What the pump reads; touched only by the one thread that drains it.
  private let pumping = Pumping()

  private init() {
    epoll = pipeline_epoll_create()
    guard epoll >= 0 else { return }
    if EngineExecutor.shared.watch(epoll, onReadable: { [self] in drain(waiting: false) }) == nil {
      startDetachedThread(named: "pipeline-output") { [self] in
        while true { drain(waiting: true) }
      }
    }
  }

  /// Reads `stdout` and `stderr` until both end, calls `onLine` with every line (on the pump's
  /// thread, in order per stream), closes them, then calls `onEnd`.
  ///
  /// - Parameter standardOutputLineLimit: the longest line of `stdout` handed over whole;
  ///   longer ones come in pieces (those of `stderr` always from 64 KiB).
  func read(
    stdout: Int32, stderr: Int32, standardOutputLineLimit: Int = LineSplitter.defaultMaximumLineLength,
    onLine: @escaping @Sendable (OutputChannel, String) -> Void, onEnd: @escaping @Sendable () -> Void
  ) {
    guard epoll >= 0 else {
      // No epoll (the descriptor limit was reached at the first command): a thread of its own.
      startDetachedThread(named: "pipeline-output") {
        Self.readBlocking(
          stdout: stdout, stderr: stderr, standardOutputLineLimit: standardOutputLineLimit, onLine: onLine)
        onEnd()
      }
      return
    }
    let token = UInt64(tokens.next())
    // Known to the pump before either stream can be reported: it takes the arrivals in after
    // every wait, before it looks at what is ready.
    arrivals.withLock { $0.append(Registration(
        token: token, stdout: stdout, stderr: stderr, standardOutputLineLimit: standardOutputLineLimit,
        onLine: onLine, onEnd: onEnd)) }
    _ = pipeline_epoll_add(epoll, stdout, token << 1)
    _ = pipeline_epoll_add(epoll, stderr, token << 1 | 1)
  }

  // MARK: - The pump's thread

  /// A process being read: its streams still open, and what to call. Lives on the pump's
  /// thread only.
  private final class Reading {
    let registration: Registration
    var splitters: [LineSplitter]
    var open = 2
    init(_ registration: Registration) {
      self.registration = registration
      splitters = [LineSplitter(maximumLineLength: registration.standardOutputLineLimit), LineSplitter()]
    }
    func descriptor(_ stream: Int) -> Int32 { stream == 0 ? registration.stdout : registration.stderr }
  }

  /// The pump's state: the streams being read and the read buffer. Only the thread that
  /// drains the pump (the engine's, or the pump's own) touches it.
  private final class Pumping: @unchecked Sendable {
    var readings: [UInt64: Reading] = [:]
    /// The tokens `epoll_wait` reports, in memory of its own: an array passed as `&ready`
    /// had its buffer copied at each call, and the copies were never freed.
    let ready = UnsafeMutablePointer<UInt64>.allocate(capacity: Pumping.readyCapacity)
    static let readyCapacity = 64
    var buffer = [UInt8](repeating: 0, count: 16 * 1024)
  }

  private static let channels: [OutputChannel] = [.stdout, .stderr]

  /// Reads what the ready streams hold; waits for one first when `waiting`.
  private func drain(waiting: Bool) {
    let pumping = self.pumping
    let count = pipeline_epoll_wait_for(epoll, pumping.ready, Int32(Pumping.readyCapacity), waiting ? -1 : 0)
    for registration in arrivals.withLock({ arrivals in defer { arrivals = [] }; return arrivals }) {
      pumping.readings[registration.token] = Reading(registration)
    }
    guard count > 0 else { return }  // EINTR, or nothing
    for index in 0..<Int(count) {
      let tag = pumping.ready[index]
      guard let reading = pumping.readings[tag >> 1] else { continue }
      let stream = Int(tag & 1)
      let fd = reading.descriptor(stream)
      let channel = Self.channels[stream]
      let onLine = reading.registration.onLine
      let read = pumping.buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if read < 0, errno == EINTR || errno == EAGAIN { continue }
      guard read > 0 else {
        reading.splitters[stream].finish { onLine(channel, $0) }
        _ = pipeline_epoll_remove(epoll, fd)
        close(fd)
        reading.open -= 1
        if reading.open == 0 {
          pumping.readings[tag >> 1] = nil
          reading.registration.onEnd()
        }
        continue
      }
      pumping.buffer.withUnsafeBytes { bytes in
        reading.splitters[stream].split(UnsafeRawBufferPointer(rebasing: bytes[..<read])) { onLine(channel, $0) }
      }
    }
  }

  private static func readBlocking(
    stdout: Int32, stderr: Int32, standardOutputLineLimit: Int, onLine: @Sendable (OutputChannel, String) -> Void
  ) {
    var fds = [pollfd(fd: stdout, events: Int16(POLLIN), revents: 0), pollfd(fd: stderr, events: Int16(POLLIN), revents: 0)]
    var splitters = [LineSplitter(maximumLineLength: standardOutputLineLimit), LineSplitter()]
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
