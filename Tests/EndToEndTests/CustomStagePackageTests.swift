import Foundation
import PipelineCore
import Testing

/// The slow tests of custom stages: they build Swift packages that depend on this one (each
/// build compiles ArgumentParser again, a few minutes on a small machine).
///
/// - the example package `pipelines/custom-stage`: its own tests, its stage `http_check` in a real
///   pipeline compiled in (Way 1) and served as a program (Way 2), and the SwiftPM plugin run in it;
/// - the package `pipeline new-stage` writes: it builds and its test passes.
@Suite(.serialized) struct CustomStagePackageTests {
  static let example = RepositoryFilesTests.repository + "/pipelines/custom-stage"

  @Test func theExamplePackageBuildsAndItsTestsPass() async throws {
    let build = await ExamplePackage.shared.build()
    try #require(build.status == .exited(0), "swift build --build-tests in pipelines/custom-stage failed:\n\(build.output)")
    let test = await SwiftCommand.run(["test", "--skip-build"], in: Self.example)
    #expect(test.status == .exited(0), "swift test in pipelines/custom-stage failed:\n\(test.output)")
    #expect(test.output.contains("passed"), "\(test.output)")
  }

  @Test func theCompiledInStageChecksTheRestartedApp() async throws {
    let build = await ExamplePackage.shared.build()
    try #require(build.status == .exited(0), "the example package did not build:\n\(build.output)")
    let port = try Loopback.freePort()
    let project = try Self.appProject(
      "way1", stage: "  - stage: http_check\n    url: http://127.0.0.1:\(port)/greeting.txt\n    contains: hello\n    within: 10s",
      port: port)
    let run = try PipelineRun(["run"], in: project.root, executable: Self.example + "/.build/debug/smoke-pipeline")
    try await Self.expectChecks(of: "http_check", run: run, project: project, port: port)
  }

  @Test func theSameStageServedAsAProgramChecksTheRestartedApp() async throws {
    let build = await ExamplePackage.shared.build()
    try #require(build.status == .exited(0), "the example package did not build:\n\(build.output)")
    let port = try Loopback.freePort()
    let server = Self.example + "/.build/debug/http-check-stage"
    let project = try Self.appProject(
      "way2",
      stage: """
          - stage: external
            name: smoke
            run: [\(server)]
            config: { url: "http://127.0.0.1:\(port)/greeting.txt", contains: hello, within: 10s }
        """,
      port: port)
    let run = try PipelineRun(["run"], in: project.root)
    try await Self.expectChecks(of: "smoke", run: run, project: project, port: port)
  }

  @Test func thePluginRunsPipelineInThePackage() async throws {
    let build = await ExamplePackage.shared.build()
    try #require(build.status == .exited(0), "the example package did not build:\n\(build.output)")
    let plugin = await SwiftCommand.run(
      ["package", "--disable-sandbox", "pipeline", "validate", "--runner", "smoke-pipeline"], in: Self.example)
    #expect(plugin.status == .exited(0), "\(plugin.output)")
    #expect(plugin.output.contains("pipeline.yaml: ok — 4 stages: watch → debounce → restart → http_check"), "\(plugin.output)")
  }

  @Test func aNewStagePackageBuildsAndItsTestPasses() async throws {
    let folder = try TemporaryProject("new-stage")
    let generate = try PipelineRun(
      ["new-stage", "word_count", "--pipeline-path", RepositoryFilesTests.repository, "--output", folder.path("word-count")],
      in: folder.root)
    #expect(await generate.exitStatus() == .exited(0), "\(generate.transcript)")
    let test = await SwiftCommand.run(["test"], in: folder.path("word-count"))
    #expect(test.status == .exited(0), "swift test in the generated package failed:\n\(test.output)")
    #expect(test.output.contains("Test run with 4 tests"), "\(test.output)")
  }

  // MARK: - Fixtures

  /// A project whose app serves `app/greeting.txt` on `port`, with `stage` after the restart.
  static func appProject(_ name: String, stage: String, port: UInt16) throws -> TemporaryProject {
    let project = try TemporaryProject(name)
    try project.write("app/greeting.txt", "hello 1\n")
    try project.write("pipeline.yaml", """
      version: 1
      stages:
        - stage: watch
          paths: [app]
        - stage: debounce
          window: 50ms
        - stage: restart
          run: exec python3 -m http.server \(port) --bind 127.0.0.1 --directory app
          kill_after: 1s
      \(stage)
      """)
    return project
  }

  /// The check passes on startup, fails when the app stops saying hello, passes once it does again.
  static func expectChecks(of stage: String, run: PipelineRun, project: TemporaryProject, port: UInt16) async throws {
    func events(_ kind: String) -> [[String: Any]] { run.events(kind).filter { $0["stage"] as? String == stage } }
    #expect(
      await run.waitUntil(timeout: .seconds(60)) { events("stage-succeeded").count == 1 },
      "the check did not pass at startup:\n\(run.transcript)")

    try project.replace("app/greeting.txt", "bye\n")
    #expect(
      await run.waitUntil(timeout: .seconds(60)) { events("stage-failed").count == 1 },
      "the check did not fail:\n\(run.transcript)")
    let message = events("stage-failed").first?["message"] as? String ?? ""
    #expect(
      message.contains("GET http://127.0.0.1:\(port)/greeting.txt answered without 'hello' in the body"), "\(message)")

    try project.replace("app/greeting.txt", "hello 2\n")
    #expect(
      await run.waitUntil(timeout: .seconds(60)) { events("stage-succeeded").count == 2 },
      "the check did not pass again:\n\(run.transcript)")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
    #expect(await ProcessProbe.waitUntilNoneLeft(inProject: project.root).isEmpty)
  }
}

/// Builds the example package once for all the tests that need it.
actor ExamplePackage {
  static let shared = ExamplePackage()
  private var result: SwiftCommand.Result?

  func build() async -> SwiftCommand.Result {
    if let result { return result }
    let built = await SwiftCommand.run(["build", "--build-tests"], in: CustomStagePackageTests.example)
    result = built
    return built
  }
}

/// Runs `swift …` in a folder and collects what it prints.
enum SwiftCommand {
  struct Result: Sendable {
    var status: TerminationStatus?
    var output: String
  }

  /// - Parameter timeout: generous: a first build compiles every dependency.
  static func run(_ arguments: [String], in folder: String, timeout: Duration = .seconds(1800)) async -> Result {
    let lines = LineStore()
    do {
      var environment = ProcessInfo.processInfo.environment
      environment["NO_COLOR"] = "1"
      var launch = try ProcessLaunch.resolving(.argv(["swift"] + arguments), environment: environment, workingDirectory: folder)
      launch.killAfter = .seconds(5)
      let process = try ChildProcess.launch(launch) { _, line in lines.append(line) }
      let status = await process.waitForExit(timeout: timeout)
      if status == nil {
        await process.stop(signal: .terminate, killAfter: .seconds(5))
        lines.append("(stopped after \(timeout))")
      }
      await process.waitForOutput()
      // Long build logs: the end is what explains a failure.
      return Result(status: status, output: lines.all.suffix(200).joined(separator: "\n"))
    } catch {
      return Result(status: nil, output: "cannot run swift \(arguments.joined(separator: " ")): \(error)")
    }
  }
}
