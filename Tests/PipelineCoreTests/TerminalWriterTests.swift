@preconcurrency import Glibc
import Synchronization
import Testing

@testable import PipelineCore

/// How `pipeline run` writes its console lines: those of the engine's thread gathered until
/// the engine is idle, in order with everything else.
@Suite("TerminalWriter")
final class TerminalWriterTests: Sendable {
  /// A pipe whose read end does not block.
  let reader: Int32
  let writer: Int32

  init() throws {
    var ends: [Int32] = [0, 0]
    try #require(pipe(&ends) == 0)
    reader = ends[0]
    writer = ends[1]
    _ = fcntl(reader, F_SETFL, fcntl(reader, F_GETFL) | O_NONBLOCK)
  }

  deinit {
    close(reader)
    close(writer)
  }

  /// What the pipe holds now.
  func available() -> String {
    var bytes = [UInt8](repeating: 0, count: 4096)
    let count = bytes.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) }
    return count > 0 ? String(decoding: bytes[..<count], as: UTF8.self) : ""
  }

  /// What the pipe holds once `expected` bytes are there, at most two seconds on.
  func eventually(_ expected: Int) async -> String {
    var text = ""
    for _ in 0..<400 where text.utf8.count < expected {
      text += available()
      if text.utf8.count < expected { try? await Task.sleep(for: .milliseconds(5)) }
    }
    return text
  }

  /// Runs `body` as one job on the engine's thread.
  func onEngine<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await Task(executorPreference: EngineExecutor.shared) { body() }.value
  }

  @Test("NO_COLOR turns colours off when it has a value; empty, as no-color.org says, it does not")
  func noColorNeedsAValue() {
    let saved = getenv("NO_COLOR").map { String(cString: $0) }
    defer { if let saved { setenv("NO_COLOR", saved, 1) } else { unsetenv("NO_COLOR") } }
    unsetenv("NO_COLOR")
    #expect(!TerminalWriter.noColorIsSet)
    setenv("NO_COLOR", "", 1)
    #expect(!TerminalWriter.noColorIsSet)
    setenv("NO_COLOR", "1", 1)
    #expect(TerminalWriter.noColorIsSet)
  }

  @Test func theEngineThreadsLinesGoOutTogetherOnceItIsIdle() async {
    let terminal = TerminalWriter(usesColor: false, defersOnEngineThread: true, standardOutput: writer, standardError: writer)
    let seenDuringTheTurn = await onEngine { [self] in
      terminal.line("▶ 1 change: src/main.go (modified)")
      terminal.line("[build] $ go build .")
      return available()
    }
    #expect(seenDuringTheTurn == "")
    #expect(await eventually(52) == "▶ 1 change: src/main.go (modified)\n[build] $ go build .\n")
  }

  @Test func aLineFromAnotherThreadComesAfterTheGatheredOnes() async {
    let terminal = TerminalWriter(usesColor: false, defersOnEngineThread: true, standardOutput: writer, standardError: writer)
    let seen = await onEngine { [self] in
      terminal.line("first")
      let done = Mutex(false)
      startDetachedThread(named: "test-writer") {
        terminal.line("second", error: true)
        done.withLock { $0 = true }
      }
      while !done.withLock({ $0 }) { usleep(1000) }
      return available()
    }
    #expect(seen == "first\nsecond\n")
  }

  @Test func withoutDeferringEveryLineIsWrittenAtOnce() async {
    let terminal = TerminalWriter(usesColor: false, standardOutput: writer, standardError: writer)
    let seen = await onEngine { [self] in
      terminal.line("now")
      return available()
    }
    #expect(seen == "now\n")
  }

  @Test func flushWritesWhatIsGathered() async {
    let terminal = TerminalWriter(usesColor: false, defersOnEngineThread: true, standardOutput: writer, standardError: writer)
    let seen = await onEngine { [self] in
      terminal.line("stopping")
      terminal.flush()
      return available()
    }
    #expect(seen == "stopping\n")
  }
}
