import CPipelineSystem
@preconcurrency import Glibc

/// Finds what a command left running in process groups of their own.
///
/// A command leads a session of its own as well as a group: a process it starts that makes a
/// group of its own (`swift build` does this with each compiler, Go programs with
/// `Setpgid`, a shell with `set -m`) escapes the group's signals but stays in the session.
/// Once the command's group is gone, such a process has lost its parent, and the keeper, a
/// child subreaper, has adopted it: the keeper's children are the only candidates to read,
/// instead of every process of the machine. Without a keeper (or when its children cannot be
/// read), every process is a candidate.
enum LeftBehindGroups {
  /// The groups, other than `session`'s own, that hold a living process of session `session`.
  static func find(session: pid_t, keeper: pid_t?) -> Set<pid_t> {
    var groups = Set<pid_t>()
    for pid in candidates(keeper: keeper) {
      guard let entry = ProcessTable.entry(of: pid), entry.session == session, entry.group != session,
        entry.group > 0, entry.isLiving
      else { continue }
      groups.insert(entry.group)
    }
    return groups
  }

  /// The keeper's children, or every process when there is no keeper to ask.
  private static func candidates(keeper: pid_t?) -> [pid_t] {
    if let keeper {
      var capacity = 64
      while true {
        var children = [pid_t](repeating: 0, count: capacity)
        let found = Int(pipeline_children_of(keeper, &children, Int32(capacity)))
        if found < 0 { break }
        if found <= capacity { return Array(children[..<found]) }
        capacity = found + 16
      }
    }
    return ProcessTable.everyProcess() ?? []
  }
}
