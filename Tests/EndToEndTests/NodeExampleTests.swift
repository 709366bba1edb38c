import Foundation
import PipelineCore
import Testing

/// pipelines/node with the real node: restart `node server.js` on a change, never for
/// node_modules, and `npm install` when package.json changes.
@Suite(.serialized)
struct NodeExampleTests {
  static let server = ExampleProject.repository + "/pipelines/node/server.js"

  @Test func anEditedServerIsServedAndNodeModulesIsIgnored() async throws {
    try ExampleProject.requireTool("node", install: "install Node.js 18 or newer")
    let project = try ExampleProject.copy("node")
    let original = try String(contentsOfFile: Self.server, encoding: .utf8)
    let port = try Loopback.freePort()
    let run = try PipelineRun(["run"], in: project.root, environment: ["PORT": "\(port)"])
    #expect(await run.waitForAnswer(port: port, containing: "Hello from Node!"), "\(run.transcript)")
    #expect(run.count("stage-started", stage: "install") == 0, "no npm install at startup")

    try project.replace("server.js", original.replacingOccurrences(of: "Hello from Node!", with: "Hello again"))
    #expect(await run.waitForAnswer(port: port, containing: "Hello again"), "\(run.transcript)")
    #expect(await run.waitForLine(containing: "stopping: finishing requests in flight"), "SIGTERM reached the app's handler")
    let starts = run.events("app-started").count

    // A package's file changing under node_modules is not a change to the app.
    try project.write("node_modules/left-pad/index.js", "module.exports = 1;\n")
    try await Task.sleep(for: .milliseconds(600))
    try project.replace("server.js", original.replacingOccurrences(of: "Hello from Node!", with: "Third"))
    #expect(await run.waitForAnswer(port: port, containing: "Third"), "\(run.transcript)")
    #expect(run.events("app-started").count == starts + 1, "one restart, for server.js only: \(run.transcript)")
    #expect(!run.events("changes").contains { ($0["message"] as? String ?? "").contains("node_modules") })

    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
    #expect(await ProcessProbe.waitUntilNoneLeft(inProject: project.root).isEmpty)
  }

  @Test func aChangedPackageJsonRunsNpmInstallBeforeTheRestart() async throws {
    try ExampleProject.requireTool("npm", install: "install Node.js with npm")
    let project = try ExampleProject.copy("node")
    let port = try Loopback.freePort()
    let run = try PipelineRun(["run"], in: project.root, environment: ["PORT": "\(port)"])
    #expect(await run.waitForAnswer(port: port, containing: "Hello from Node!"), "\(run.transcript)")
    let manifest = try #require(project.read("package.json"))
    try project.replace("package.json", manifest.replacingOccurrences(of: #""version": "1.0.0""#, with: #""version": "1.0.1""#))
    #expect(await run.waitUntil(timeout: .seconds(60)) { run.count("stage-succeeded", stage: "install") == 1 }, "\(run.transcript)")
    #expect(await run.waitUntil { run.events("app-started").count == 2 }, "restarted after the install: \(run.transcript)")
    #expect(FileManager.default.fileExists(atPath: project.path("package-lock.json")), "npm install ran in the project")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
  }
}
