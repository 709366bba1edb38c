import CPipelineSystem
@preconcurrency import Glibc

/// Reads `/proc`: which processes there are, and the state, group and session of each.
///
/// `kill(-pgid, 0)` also succeeds for zombies: a child of a stopped wrapper shell is
/// orphaned, reparented and stays a zombie until its new parent reaps it — under some PID 1s a
/// second or more later. A zombie holds no memory, port or file, so for "the group is gone"
/// only living members count.
enum ProcessTable {
  /// What `/proc/PID/stat` says about a process.
  struct Entry: Equatable {
    /// The state letter: `R`, `S`, `D`, `Z` (zombie), `X` (dead)…
    let state: UInt8
    let group: pid_t
    let session: pid_t

    /// Not a zombie, nor dead.
    var isLiving: Bool { state != UInt8(ascii: "Z") && state != UInt8(ascii: "X") }
  }

  /// Whether a process that is not a zombie belongs to group `pgid`.
  static func groupHasLivingMember(_ pgid: pid_t) -> Bool {
    guard kill(-pgid, 0) == 0 || errno == EPERM else { return false }
    guard let pids = everyProcess() else { return true }
    return pids.contains { pid in
      guard let entry = entry(of: pid) else { return false }
      return entry.group == pgid && entry.isLiving
    }
  }

  /// The state, group and session of `pid`; `nil` when it is gone.
  static func entry(of pid: pid_t) -> Entry? {
    var state: CChar = 0
    var group: pid_t = 0
    var session: pid_t = 0
    guard pipeline_process_ids(pid, &state, &group, &session) == 0 else { return nil }
    return Entry(state: UInt8(bitPattern: state), group: group, session: session)
  }

  /// The text of a `/proc/PID/stat` file, read: `pid (comm) S ppid pgrp session …`, after the
  /// last `)`, since the command may itself hold spaces and parentheses.
  static func parseStat(_ text: String) -> Entry? {
    var state: CChar = 0
    var group: pid_t = 0
    var session: pid_t = 0
    guard pipeline_parse_stat(text, &state, &group, &session) == 0 else { return nil }
    return Entry(state: UInt8(bitPattern: state), group: group, session: session)
  }

  /// The pid of every process; `nil` when `/proc` cannot be read.
  static func everyProcess() -> [pid_t]? {
    guard let proc = opendir("/proc") else { return nil }
    defer { closedir(proc) }
    var pids: [pid_t] = []
    while let entry = readdir(proc) {
      let first = entry.pointee.d_name.0
      guard first >= 0x31, first <= 0x39 else { continue }  // a pid: starts with 1-9
      let name = withUnsafePointer(to: entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
      }
      if let pid = pid_t(name) { pids.append(pid) }
    }
    return pids
  }
}
