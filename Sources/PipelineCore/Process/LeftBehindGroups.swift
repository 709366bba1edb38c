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

  /// Stops `groups` (found for `session` a moment ago) and what they leave in turn: `signal` to
  /// each group `claim` hands back (the ones no other stop signalled yet), `SIGKILL` to every
  /// group once `killAfter` has passed, looking again every 0.2 to 10 ms until none is left, at
  /// most 10 seconds past the grace. Blocks the calling thread.
  static func stop(
    _ groups: Set<pid_t>, session: pid_t, keeper: pid_t?, signal: ProcessSignal, killAfter: Duration,
    claim: (Set<pid_t>) -> Set<pid_t>
  ) {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: killAfter)
    let lastLook = deadline.advanced(by: .seconds(10))
    var groups = groups
    var pause: UInt32 = 200
    while !groups.isEmpty, clock.now < lastLook {
      let isPastGrace = signal == .kill || clock.now >= deadline
      for group in isPastGrace ? groups : claim(groups) { _ = kill(-group, isPastGrace ? SIGKILL : signal.number) }
      usleep(pause)
      pause = min(pause * 2, 10_000)
      groups = find(session: session, keeper: keeper)
    }
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
