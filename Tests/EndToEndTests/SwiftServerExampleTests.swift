import Foundation
import PipelineCore
import Testing

/// pipelines/swift-server with the real Swift toolchain: built into its own scratch path,
/// restarted on an edit, resolved first when Package.swift changes.
@Suite(.serialized)
struct SwiftServerExampleTests {
  @Test func anEditedGreetingIsServedAndAManifestChangeResolvesFirst() async throws {
    let project = try ExampleProject.copy("swift-server")
    let port = try Loopback.freePort()
    let run = try PipelineRun(["run"], in: project.root, environment: ["PORT": "\(port)"])
    #expect(
      await run.waitForAnswer(port: port, containing: "Hello from Swift!", timeout: .seconds(300)), "\(run.transcript)")
    #expect(FileManager.default.fileExists(atPath: project.path(".build-pipeline")), "built in its own scratch path")
    #expect(!FileManager.default.fileExists(atPath: project.path(".build")), "the editor's .build is left alone")
    #expect(run.count("stage-started", stage: "resolve") == 0, "nothing to resolve at startup")

    try project.replace("Sources/HelloServer/Greeting.swift", #"let greeting = "Hello again""# + "\n")
    #expect(await run.waitForAnswer(port: port, containing: "Hello again", timeout: .seconds(180)), "\(run.transcript)")
    #expect(run.count("stage-started", stage: "resolve") == 0, "a source change does not resolve")

    let manifest = try #require(project.read("Package.swift"))
    try project.replace("Package.swift", manifest + "// a manifest edit\n")
    #expect(
      await run.waitUntil(timeout: .seconds(180)) { run.count("stage-succeeded", stage: "resolve") == 1 }, "\(run.transcript)")
    #expect(
      await run.waitUntil(timeout: .seconds(180)) { run.count("stage-succeeded", stage: "build") == 3 },
      "the build follows the resolve: \(run.transcript)")
    // The app restarts after that build: wait for the new instance instead of asking once.
    #expect(await run.waitForAnswer(port: port, containing: "Hello again", timeout: .seconds(60)), "\(run.transcript)")

    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
    #expect(await ProcessProbe.waitUntilNoneLeft(inProject: project.root).isEmpty)
  }

  /// `swift build` starts each compiler in a process group of its own: stopped with SIGTERM it
  /// left them running for good. The example's build stage stops it with SIGINT, on which it
  /// stops them itself.
  @Test func ctrlCDuringTheBuildLeavesNoCompilerRunning() async throws {
    let project = try ExampleProject.copy("swift-server")
    // Enough files for the driver to run several compilers (what got stuck: 200 small files).
    for index in 0..<200 {
      try project.write("Sources/HelloServer/Generated\(index).swift", "func generated\(index)() -> Int { \(index) }\n")
    }
    let run = try PipelineRun(["run"], in: project.root, environment: ["PORT": "\(try Loopback.freePort())"])
    let compiling = await run.waitUntil(timeout: .seconds(300)) {
      ProcessProbe.processes(inProject: project.root).contains {
        $0.commandLine.contains("swift-frontend") && $0.commandLine.contains("Sources/HelloServer/")
      }
    }
    try #require(compiling, "no compiler was seen: \(run.transcript)")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
    let left = await ProcessProbe.waitUntilNoneLeft(inProject: project.root, timeout: .seconds(10))
    #expect(left.isEmpty, "\(left)")
    for process in left { kill(process.pid, SIGKILL) }
  }
}
