import Glibc
import Synchronization
import Testing

@testable import PipelineCore

/// What is typed into `pipeline`, read from a pipe standing in for its standard input.
@Suite struct TerminalInputTests {
  /// A pipe whose read end a ``TerminalInput`` reads, and what it did.
  private final class Typing: Sendable {
    let input: TerminalInput
    let writeEnd: Int32
    let runsAgain = Mutex(0)
    let forwarded = Mutex<[UInt8]>([])

    init() throws {
      var ends: [Int32] = [0, 0]
      try #require(pipe(&ends) == 0)
      input = TerminalInput(descriptor: ends[0])
      writeEnd = ends[1]
      input.onRunAgain { [self] in runsAgain.withLock { $0 += 1 } }
    }

    func type(_ text: String) {
      _ = Array(text.utf8).withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count) }
    }

    /// Waits until `condition` holds, for at most 5 s.
    func wait(_ condition: () -> Bool) async -> Bool {
      for _ in 0..<500 {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
      }
      return condition()
    }

    deinit { close(writeEnd) }
  }

  @Test func theLineRsRunsThePipelineAgainAndOtherLinesDoNothing() async throws {
    let typing = try Typing()
    typing.input.start()
    typing.type("rs\n")
    #expect(await typing.wait { typing.runsAgain.withLock { $0 } == 1 })
    // Blanks and a terminal's carriage return around it; split across reads.
    typing.type("\t r")
    try await Task.sleep(for: .milliseconds(50))
    typing.type("s \r\nrsx\nrestart\nRS\n\nrs")
    #expect(await typing.wait { typing.runsAgain.withLock { $0 } == 2 })
    try await Task.sleep(for: .milliseconds(100))
    #expect(typing.runsAgain.withLock { $0 } == 2, "a line is complete at its newline only")
    typing.type("\n")
    #expect(await typing.wait { typing.runsAgain.withLock { $0 } == 3 })
  }

  @Test func anAppThatTakesTheInputGetsEveryByteRsToo() async throws {
    let typing = try Typing()
    let id = typing.input.forward { bytes in typing.forwarded.withLock { $0 += bytes } }
    typing.type("hello\nrs\n")
    #expect(await typing.wait { typing.forwarded.withLock { $0 } == Array("hello\nrs\n".utf8) })
    #expect(typing.runsAgain.withLock { $0 } == 0)

    // The stage ends (a reload): `rs` runs the pipeline again. A forwarding taken over by a
    // later one is not ended by the earlier's end.
    typing.input.stopForwarding(id)
    typing.type("rs\n")
    #expect(await typing.wait { typing.runsAgain.withLock { $0 } == 1 })
    let later = typing.input.forward { bytes in typing.forwarded.withLock { $0 += bytes } }
    typing.input.stopForwarding(id)
    typing.type("x\n")
    #expect(await typing.wait { typing.forwarded.withLock { $0 }.suffix(2) == Array("x\n".utf8) })
    typing.input.stopForwarding(later)
  }
}
