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

  /// A folder's entries changed while `pipeline` was starting, before its watch existed.
  static let changedWhileStarting = "files were added, removed or renamed here while pipeline was starting"

  /// Folders were handed to polling while `pipeline` was starting: what changed in them before
  /// the poller's first scan is unknown.
  static let polledWhileStarting = "folders that could not be watched are polled from now on"

  /// The part of the watch-ready message about the folders `poll: auto` polls.
  static func mountsPolled(_ mounts: [(path: String, type: String)], interval: Duration) -> String {
    if mounts.count == 1, let mount = mounts.first {
      return "polling every \(interval.pipelineText) under \(mount.path) — \(mount.type) mount, events do not cross it"
    }
    let list = mounts.map { "\($0.path) (\($0.type))" }.joined(separator: ", ")
    return "polling every \(interval.pipelineText) under \(list) — mounts events do not cross"
  }

  /// A git hold began.
  static func holding(_ reason: GitHoldStateMachine.Reason) -> String {
    if let operation = reason.operation {
      return "git \(operation) in progress (\(reason.evidence)): holding changes until git is done"
    }
    return "git is updating the work tree (\(reason.evidence) exists): holding changes until it is done"
  }

  /// The held changes go on.
  ///
  /// - Parameter runsExec: A rebase's last step was an `exec`: git runs that command, or
  ///   stopped because it failed; either way it may not be waiting for you.
  static func released(_ release: GitHoldStateMachine.Release, count: Int, runsExec: Bool = false) -> String {
    let changes = count == 1 ? "1 held change" : "\(count) held changes"
    switch release {
    case .done, .staleLock:
      return "git is done: sending \(changes) as one batch"
    case .waiting(let reason) where runsExec:
      return "git \(reason.operation ?? "") runs an exec step, or stopped after one (\(reason.evidence) is left): sending \(changes); "
        + "edits are not held while git is quiet"
    case .waiting(let reason):
      return "git \(reason.operation ?? "") is waiting for you (\(reason.evidence) is left): sending \(changes); "
        + "edits are not held while git is quiet"
    }
  }

  /// The lock outlived ``GitHoldStateMachine/staleLockAfter``.
  static func staleLock(in gitDirectory: String, count: Int) -> String {
    "\(gitDirectory)index.lock has existed for \(GitHoldStateMachine.staleLockAfter.pipelineText): sending "
      + "\(count == 1 ? "1 held change" : "\(count) held changes") without waiting for git\n"
      + "  help: if no git command is running, a git that crashed left it: delete \(gitDirectory)index.lock"
  }
  static let rootCameBack = "watched folder came back"

  /// `inotify_add_watch` failed with ENOSPC: the per-user watch count is used up.
  /// `inotify_add_watch` failed with EACCES: the folder cannot be read now.
  static func folderUnreadable(_ path: String, interval: Duration) -> String {
    "cannot watch \(path): permission denied; it is checked every \(interval.pipelineText) instead, "
      + "and what it holds is seen once it can be read\n"
      + "  help: give the user running pipeline read and search permission on it (chmod u+rx), "
      + "or exclude it (exclude_dirs in the watch stage)"
  }

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
