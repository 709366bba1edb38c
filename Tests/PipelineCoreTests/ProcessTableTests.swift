import Glibc
import Testing

@testable import PipelineCore

@Suite("ProcessTable")
struct ProcessTableTests {
  @Test(
    "reads the state, the group and the session after the last ')' of /proc/PID/stat",
    arguments: [
      ("4242 (sleep) S 1 4240 4230 0 -1 4194560", UInt8(ascii: "S"), pid_t(4240), pid_t(4230)),
      ("17 (my (odd) cmd) Z 3 99 98 0", UInt8(ascii: "Z"), 99, 98),
      ("17 (a) b) R 3 7 6 0", UInt8(ascii: "R"), 7, 6),
    ])
  func parseStat(text: String, state: UInt8, group: pid_t, session: pid_t) {
    #expect(ProcessTable.parseStat(text) == ProcessTable.Entry(state: state, group: group, session: session))
  }

  @Test("text without a command or with too few fields is not read", arguments: ["", "4242 sleep S 1 2 3", "1 (x) S 1 2"])
  func parseStatRejects(text: String) {
    #expect(ProcessTable.parseStat(text) == nil)
  }

  @Test("this process's own entry: living, in its group and session")
  func ownEntry() {
    // The state is the main thread's, which may be asleep while this one runs.
    let entry = ProcessTable.entry(of: getpid())
    #expect(entry?.isLiving == true)
    #expect(entry?.group == getpgrp())
    #expect(entry?.session == getsid(0))
    #expect(ProcessTable.entry(of: pid_t(Int32.max - 1)) == nil)
  }

  @Test("the test's own group has a living member; a group that does not exist has none")
  func livingMember() {
    #expect(ProcessTable.groupHasLivingMember(getpgrp()))
    #expect(!ProcessTable.groupHasLivingMember(pid_t(Int32.max - 1)))
  }
}
