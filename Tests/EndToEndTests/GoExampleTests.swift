import Foundation
import PipelineCore
import Testing

/// pipelines/go with the real go toolchain: the air article's setup done right.
@Suite(.serialized)
struct GoExampleTests {
  static let handler = ExampleProject.repository + "/pipelines/go/handler.go"

  @Test func anEditedHandlerIsServedAndASyntaxErrorKeepsTheOldApp() async throws {
    try ExampleProject.requireTool("go", install: "apt-get install -y golang-go")
    let project = try ExampleProject.copy("go")
    let original = try String(contentsOfFile: Self.handler, encoding: .utf8)
    let port = try Loopback.freePort()
    let run = try PipelineRun(["run"], in: project.root, environment: ["PORT": "\(port)"])
    #expect(
      await run.waitForAnswer(port: port, containing: "Hello from Go!", timeout: .seconds(240)), "\(run.transcript)")
    #expect(await run.waitForLine(containing: "dev build listening"), "built with -tags dev: \(run.transcript)")

    // An edit, saved unformatted: gofmt rewrites it, the app restarts gracefully with it.
    try project.replace(
      "handler.go", original.replacingOccurrences(of: #"fmt.Fprintln(w, "Hello from Go!")"#, with: #"fmt.Fprintln(w,"Hello again")"#))
    #expect(await run.waitForAnswer(port: port, containing: "Hello again", timeout: .seconds(120)), "\(run.transcript)")
    #expect(project.read("handler.go")?.contains(#"fmt.Fprintln(w, "Hello again")"#) == true, "gofmt formatted the saved file")
    #expect(await run.waitForLine(containing: "stopping: finishing requests in flight"), "SIGINT reached the app's handler: \(run.transcript)")
    let startsBefore = run.events("app-started").count
    let failuresBefore = run.events("stage-failed").count

    // A syntax error: the cycle fails, and the running app keeps answering the last good text.
    try project.replace("handler.go", original.replacingOccurrences(of: "func greet(w http.ResponseWriter,", with: "func greet(w http.ResponseWriter"))
    #expect(await run.waitUntil(timeout: .seconds(120)) { run.events("stage-failed").count > failuresBefore }, "\(run.transcript)")
    #expect(run.answer(port: port) == "Hello again\n", "the old app answers: \(run.transcript)")
    #expect(run.events("app-started").count == startsBefore, "no restart after a failed cycle")
    #expect(FileManager.default.isExecutableFile(atPath: project.path("tmp/main")), "the last good binary stays in place")

    // A program that builds but fails its test (two lines where the test wants one): the new
    // binary never replaces tmp/main, so a crash restart could only run the last good one.
    let lastGood = try Data(contentsOf: URL(fileURLWithPath: project.path("tmp/main")))
    let failuresBeforeTest = run.events("stage-failed").count
    try project.replace(
      "handler.go", original.replacingOccurrences(of: #"fmt.Fprintln(w, "Hello from Go!")"#, with: #"fmt.Fprintln(w, "Untested\nsecond line")"#))
    #expect(await run.waitUntil(timeout: .seconds(120)) { run.events("stage-failed").count > failuresBeforeTest }, "\(run.transcript)")
    #expect(run.events("stage-failed").last?["stage"] as? String == "test", "\(run.transcript)")
    #expect(run.answer(port: port) == "Hello again\n", "the old app answers: \(run.transcript)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: project.path("tmp/main"))) == lastGood, "an untested binary is not installed")

    // The fix recovers.
    try project.replace(
      "handler.go", original.replacingOccurrences(of: "Hello from Go!", with: "Fixed"))
    #expect(await run.waitForAnswer(port: port, containing: "Fixed", timeout: .seconds(120)), "\(run.transcript)")

    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
    #expect(await ProcessProbe.waitUntilNoneLeft(inProject: project.root).isEmpty)
    #expect(run.answer(port: port) == nil, "the app stopped with pipeline")
  }
}
