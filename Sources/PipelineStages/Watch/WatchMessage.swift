import Glibc
import PipelineCore

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
      + "limit are rescanned every \(interval.pipelineText) instead, which is slower and costs CPU\n"
      + "  help: raise it with 'sudo sysctl fs.inotify.max_user_watches=524288' (put the same "
      + "setting in /etc/sysctl.d/ to keep it after a reboot)"
  }

  /// `opendir` failed with EMFILE or ENFILE while a folder was being watched.
  static func tooManyOpenFiles(at path: String, interval: Duration, systemWide: Bool) -> String {
    let which = systemWide
      ? "the system's open-file table is full (fs.file-max)"
      : "this process has too many open files (see 'ulimit -n')"
    return "cannot read \(path): \(which); folders that could not be watched are rescanned every "
      + "\(interval.pipelineText) instead\n"
      + "  help: raise the limit with 'ulimit -n 65536' before starting pipeline (LimitNOFILE= for "
      + "a systemd service)"
  }

  /// `inotify_init1` failed with EMFILE or ENFILE: no inotify instance at all.
  static func noInotifyInstance(interval: Duration) -> String {
    "cannot create an inotify instance: fs.inotify.max_user_instances or the open-file limit is "
      + "reached; every watched folder is rescanned every \(interval.pipelineText) instead\n"
      + "  help: raise it with 'sudo sysctl fs.inotify.max_user_instances=1024' or 'ulimit -n 65536'"
  }
}

/// A system call of a watch backend failed in a way the backend cannot work around.
struct WatchSystemError: Error, CustomStringConvertible {
  var operation: String
  var code: Int32

  var description: String { "\(operation) failed: \(String(cString: strerror(code)))" }
}
