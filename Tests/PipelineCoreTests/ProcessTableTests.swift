import Glibc
import Testing

@testable import PipelineCore

@Suite("ProcessTable")
struct ProcessTableTests {
  @Test(
    "reads the state and the group after the last ')' of /proc/PID/stat",
    arguments: [
      ("4242 (sleep) S 1 4240 4240 0 -1 4194560", UInt8(ascii: "S"), pid_t(4240)),
      ("17 (my (odd) cmd) Z 3 99 99 0", UInt8(ascii: "Z"), 99),
      ("17 (a) b) R 3 7 7 0", UInt8(ascii: "R"), 7),
    ])
  func parseStat(text: String, state: UInt8, group: pid_t) {
    let parsed = ProcessTable.parseStat(Array(text.utf8)[...])
    #expect(parsed?.state == state)
    #expect(parsed?.group == group)
  }

  @Test("text without a command or with too few fields is not read", arguments: ["", "4242 sleep S 1 2", "1 (x) S 1"])
  func parseStatRejects(text: String) {
    #expect(ProcessTable.parseStat(Array(text.utf8)[...]) == nil)
  }

  @Test("the test's own group has a living member; a group that does not exist has none")
  func livingMember() {
    #expect(ProcessTable.groupHasLivingMember(getpgrp()))
    #expect(!ProcessTable.groupHasLivingMember(pid_t(Int32.max - 1)))
  }
}
