import Testing

@testable import PipelineCore

/// What a person sees for the events of a run.
struct ConsoleRendererTests {
  private let renderer = ConsoleRenderer(terminal: TerminalWriter(usesColor: false), verbose: true)

  private static let cycleStarted = Event(kind: .cycleStarted, stage: "pipeline", message: "1 change: main.go (modified)")
  private static let buildFailed = Event(
    kind: .stageFailed, stage: "build", message: "stage 'build' (go build .) exited with status 2",
    metadata: ["duration": "0.1", "status": "2"])

  @Test("a failure that stops the batch is shown once, by the cycle's closing line, on standard error")
  func failureShownOnce() throws {
    #expect(renderer.render(Self.cycleStarted) != nil)
    #expect(renderer.render(Self.buildFailed) == nil, "the cycle's line reports it")
    let closing = try #require(
      renderer.render(
        Event(
          kind: .cycleFinished, stage: "pipeline",
          message: "stage 'build' (go build .) exited with status 2; waiting for the next change — build 100ms (failed) — 101ms",
          metadata: ["result": "failed"])))
    #expect(closing.line.hasPrefix("✗ stage 'build' (go build .) exited with status 2"))
    #expect(closing.isError)
  }

  @Test("a failure outside a cycle, or one that lets the batch go on, is shown when it happens")
  func failureShownAtOnce() throws {
    let outside = try #require(renderer.render(Self.buildFailed))
    #expect(outside.line == "✗ stage 'build' (go build .) exited with status 2")
    #expect(outside.isError)
    _ = renderer.render(Self.cycleStarted)
    let continued = Event(
      kind: .stageFailed, stage: "lint", message: "stage 'lint' (lint) exited with status 1; continuing (continue_on_error)",
      metadata: ["continued": "true"])
    #expect(renderer.render(continued)?.line.hasPrefix("✗ stage 'lint'") == true)
  }

  @Test("a batch ignored while busy is shown without -v; other dropped batches only with it")
  func ignoredWhileBusyIsShown() {
    let quiet = ConsoleRenderer(terminal: TerminalWriter(usesColor: false), verbose: false)
    let ignored = Event(
      kind: .batchDropped, stage: "build", message: "busy: ignored 1 change: a.go (modified) (on_busy: ignore); save again once it is done to run it",
      paths: ["a.go"], metadata: ["reason": "busy"])
    #expect(quiet.render(ignored)?.line == "[build] busy: ignored 1 change: a.go (modified) (on_busy: ignore); save again once it is done to run it")
    let skipped = Event(kind: .batchDropped, stage: "build", message: "skipped: no changed file to pass to {files}")
    #expect(quiet.render(skipped) == nil)
  }

  @Test("a command stage shows the command line as run; the restart stage shows no pseudo-command")
  func startedLines() {
    let format = Event(
      kind: .stageStarted, stage: "format", message: "running gofmt -w 'a.go'",
      metadata: ["command": "gofmt -w '{files}'", "command_line": "gofmt -w 'a.go'"])
    #expect(renderer.render(format)?.line == "[format] $ gofmt -w 'a.go'")
    let build = Event(kind: .stageStarted, stage: "build", message: "running make", metadata: ["command": "make"])
    #expect(renderer.render(build)?.line == "[build] $ make")
    let restart = Event(kind: .stageStarted, stage: "restart", message: "restarting")
    #expect(renderer.render(restart)?.line == "[restart] restarting")
    #expect(ConsoleRenderer(terminal: TerminalWriter(usesColor: false)).render(restart) == nil, "verbose only")
  }

  @Test("-q shows the output, warnings, errors, the app exiting and a failed cycle's line, and nothing of the cycles that went well")
  func quietShowsOutputAndProblemsOnly() throws {
    let quiet = ConsoleRenderer(terminal: TerminalWriter(usesColor: false), detail: .quiet)
    #expect(quiet.render(Event(kind: .pipelineStarted, stage: "pipeline", message: "from pipeline.yaml: watch → build")) == nil)
    #expect(quiet.render(Self.cycleStarted) == nil)
    #expect(quiet.render(Event(kind: .stageStarted, stage: "build", message: "running make", metadata: ["command": "make"])) == nil)
    #expect(quiet.render(Event(kind: .appStarted, stage: "restart", message: "started ./app (pid 42)")) == nil)
    #expect(quiet.render(Event(kind: .cycleFinished, stage: "pipeline", message: "build 1ms — 2ms", metadata: ["result": "ok"])) == nil)
    #expect(quiet.render(Event(kind: .output, stage: "restart", message: "listening on :8080"))?.line == "[restart] listening on :8080")
    #expect(quiet.render(Event(kind: .warning, stage: "pipeline", message: "careful"))?.line == "warning: careful")
    #expect(quiet.render(Event(kind: .appExited, stage: "restart", message: "app exited with status 3", metadata: ["status": "3"])) != nil)
    #expect(quiet.render(Self.cycleStarted) == nil)
    #expect(quiet.render(Self.buildFailed) == nil, "in a cycle, its closing line reports it")
    let reloading = Event(kind: .pipelineReloading, stage: "pipeline", message: "pipeline.yaml changed: stopping the running pipeline to start the new one")
    #expect(quiet.render(reloading)?.line == "pipeline.yaml changed: stopping the running pipeline to start the new one")
    let failed = Event(
      kind: .cycleFinished, stage: "pipeline", message: "stage 'build' (make) exited with status 2 — build 1ms (failed) — 2ms",
      metadata: ["result": "failed"])
    #expect(quiet.render(failed)?.line.hasPrefix("✗ stage 'build'") == true)
  }

  @Test("a file name's newline or escape is escaped in the pipeline's own lines; an error keeps its lines; a command's output is left as written")
  func controlCharactersAreEscapedOutsideTheOutput() {
    let dropped = Event(kind: .batchDropped, stage: "filter", message: "matched exclude: x\ny.log, a\u{1B}[1mb.log")
    #expect(renderer.render(dropped)?.line == "[filter] matched exclude: x\\ny.log, a\\x1B[1mb.log")
    let error = Event(kind: .error, stage: "pipeline", message: "p.yaml changed:\np.yaml:1:1: error: bad \u{1B}[31m")
    #expect(renderer.render(error)?.line == "error: p.yaml changed:\np.yaml:1:1: error: bad \\x1B[31m")
    let output = Event(kind: .output, stage: "restart", message: "\u{1B}[32mgreen\u{1B}[0m")
    #expect(renderer.render(output)?.line == "[restart] \u{1B}[32mgreen\u{1B}[0m")
  }
}
