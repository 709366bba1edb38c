import Glibc
import PipelineCore
import Synchronization

/// One raw observation of a watch backend, before debouncing.
struct FileEvent: Sendable, Hashable {
  /// Absolute path, without a trailing `/`.
  var path: String
  var kind: ChangeKind
  var isDirectory: Bool
}

/// What a backend reports to the watch stage.
enum WatchNotice: Sendable {
  /// Paths changed. Events are in the order they were observed.
  case changed([FileEvent])
  /// The backend lost track (queue overflow, a root came back): everything under `root`
  /// may have changed. The backend has already re-established its watches when it says so.
  case rescanNeeded(root: String, reason: String)
  /// Something a person must hear about (a watch limit reached, a root that vanished).
  case warning(String)
}

/// Which directories a backend must not descend into (they are never watched at all).
struct WatchExclusion: Sendable {
  /// Folder names excluded wherever they appear, such as `.git` or `node_modules`.
  var directoryNames: Set<String>
  /// Absolute folder paths excluded, with no trailing `/`.
  var directoryPaths: Set<String>

  init(directoryNames: Set<String> = [], directoryPaths: Set<String> = []) {
    self.directoryNames = directoryNames
    self.directoryPaths = directoryPaths
  }

  func excludes(directory path: String, name: Substring) -> Bool {
    directoryNames.contains(String(name)) || directoryPaths.contains(path)
  }
}

/// A source of file-system observations for a set of root folders.
///
/// The Linux backend is ``InotifyWatcher``; ``PollingWatcher`` works everywhere. A macOS
/// (FSEvents or kqueue) backend would conform to this protocol too.
///
/// - Important: `start` returns once the watches are in place (so a change made after it
///   returns is seen); the backend then calls `sink` from its own thread until `stop()`.
protocol FileWatcher: AnyObject, Sendable {
  func start(_ sink: @escaping @Sendable (WatchNotice) -> Void) throws
  func stop()
}

// MARK: - Texts

/// The texts the watch backends send as `.warning` and `.rescanNeeded` reasons, kept in one place
/// so tests can pin them (they can move into `Diagnostic` once it exists).
enum WatchMessage {
  static func rootGone(_ path: String) -> String {
    "watched folder \(path) is gone; waiting for it to come back"
  }

  static func rootMissing(_ path: String) -> String {
    "watched folder \(path) does not exist; waiting for it to appear"
  }

  static let queueOverflowed = "event queue overflowed"
  static let rootCameBack = "watched folder came back"

  /// `inotify_add_watch` failed with ENOSPC: the per-user watch count is used up.
  static func watchLimitReached(limit: Int?, at path: String, interval: Duration) -> String {
    let current = limit.map { " (fs.inotify.max_user_watches is \($0))" } ?? ""
    return "cannot watch \(path): the inotify watch limit is reached\(current); folders past the "
      + "limit are rescanned every \(interval) instead, which is slower and costs CPU\n"
      + "  help: raise it with 'sudo sysctl fs.inotify.max_user_watches=524288' (put the same "
      + "setting in /etc/sysctl.d/ to keep it after a reboot)"
  }

  /// `opendir` failed with EMFILE or ENFILE while a folder was being watched.
  static func tooManyOpenFiles(at path: String, interval: Duration, systemWide: Bool) -> String {
    let which = systemWide
      ? "the system's open-file table is full (fs.file-max)"
      : "this process has too many open files (see 'ulimit -n')"
    return "cannot read \(path): \(which); folders that could not be watched are rescanned every "
      + "\(interval) instead\n"
      + "  help: raise the limit with 'ulimit -n 65536' before starting pipeline (LimitNOFILE= for "
      + "a systemd service)"
  }

  /// `inotify_init1` failed with EMFILE or ENFILE: no inotify instance at all.
  static func noInotifyInstance(interval: Duration) -> String {
    "cannot create an inotify instance: fs.inotify.max_user_instances or the open-file limit is "
      + "reached; every watched folder is rescanned every \(interval) instead\n"
      + "  help: raise it with 'sudo sysctl fs.inotify.max_user_instances=1024' or 'ulimit -n 65536'"
  }
}

/// A system call of a watch backend failed in a way the backend cannot work around.
struct WatchSystemError: Error, CustomStringConvertible {
  var operation: String
  var code: Int32

  var description: String { "\(operation) failed: \(String(cString: strerror(code)))" }
}

// MARK: - Backend threads

/// A dedicated OS thread that can be joined.
///
/// The backends block in `poll()`, which must not happen on Swift's cooperative pool (it has as
/// many threads as cores, two here). A pthread rather than Foundation's `Thread` because `stop()`
/// must *join* it before it closes the descriptors the thread reads.
final class WatcherThread: Sendable {
  private let handle: pthread_t

  /// Starts `body` on a new thread named `name` (at most 15 bytes are kept).
  ///
  /// `body` is `sending`: it may own non-Sendable state (a backend's watch table), which from
  /// then on only the new thread touches.
  init(name: String, _ body: sending @escaping () -> Void) throws(WatchSystemError) {
    let context = Unmanaged.passRetained(ThreadBody(name: name, body)).toOpaque()
    var handle = pthread_t()
    let code = pthread_create(&handle, nil, { context in
      let body = Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue()
      body.nameCurrentThread()
      body.run()
      return nil
    }, context)
    guard code == 0 else {
      Unmanaged<ThreadBody>.fromOpaque(context).release()
      throw WatchSystemError(operation: "pthread_create", code: code)
    }
    self.handle = handle
  }

  /// Whether the caller runs on this thread (which must not join itself).
  var isCurrent: Bool { pthread_equal(pthread_self(), handle) != 0 }

  /// Waits for the thread to end. Call `join` or `detach` exactly once, never `join` from the
  /// thread itself.
  func join() { _ = pthread_join(handle, nil) }

  /// Lets the thread's resources go when it ends, without waiting for it (for a stop requested
  /// from the thread itself, which cannot join itself).
  func detach() { _ = pthread_detach(handle) }

  /// Joins the thread, or detaches it when called from the thread itself.
  func joinUnlessCurrent() {
    if isCurrent { detach() } else { join() }
  }
}

/// Carries a thread's closure through `pthread_create`'s untyped context pointer.
private final class ThreadBody {
  let name: String
  let run: () -> Void

  init(name: String, _ run: @escaping () -> Void) {
    self.name = name
    self.run = run
  }

  /// Shows `name` in `top -H` and `ps -L`. Through /proc because `pthread_setname_np` and
  /// `prctl` are not exported by the Glibc module; the kernel keeps 15 bytes.
  func nameCurrentThread() {
    let descriptor = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return }
    var bytes = Array(name.utf8.prefix(15))
    _ = write(descriptor, &bytes, bytes.count)
    close(descriptor)
  }
}

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
