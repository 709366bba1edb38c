import Foundation
import PipelineCore
import Testing

/// `pipeline run` and `validate` without a pipeline file, and `pipeline init`.
@Suite(.serialized)
struct ZeroConfigurationTests {
  @Test func runWithoutAFileServesAGoProject() async throws {
    try ExampleProject.requireTool("go", install: "apt-get install -y golang-go")
    let project = try ExampleProject.copy("go", leaving: ["pipeline.yaml"])
    let port = try Loopback.freePort()
    let run = try PipelineRun(["run"], in: project.root, environment: ["PORT": "\(port)"])
    #expect(await run.waitForLine(containing: "using the built-in go pipeline (found go.mod)"), "\(run.transcript)")
    #expect(await run.waitForAnswer(port: port, containing: "Hello from Go!", timeout: .seconds(240)), "\(run.transcript)")
    try project.replace("handler.go", try #require(project.read("handler.go")).replacingOccurrences(of: "Hello from Go!", with: "Zero"))
    #expect(await run.waitForAnswer(port: port, containing: "Zero", timeout: .seconds(120)), "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
  }

  @Test func runWithoutAFileServesANodeProject() async throws {
    try ExampleProject.requireTool("node", install: "install Node.js 18 or newer")
    let project = try ExampleProject.copy("node", leaving: ["pipeline.yaml"])
    let port = try Loopback.freePort()
    let run = try PipelineRun(["run"], in: project.root, environment: ["PORT": "\(port)"])
    #expect(await run.waitForLine(containing: "using the built-in node pipeline (found package.json)"), "\(run.transcript)")
    #expect(await run.waitForLine(containing: "help: `pipeline init` writes it to pipeline.yaml"), "\(run.transcript)")
    #expect(await run.waitForAnswer(port: port, containing: "Hello from Node!"), "\(run.transcript)")
    let server = try #require(project.read("server.js"))
    try project.replace("server.js", server.replacingOccurrences(of: "Hello from Node!", with: "Zero"))
    #expect(await run.waitForAnswer(port: port, containing: "Zero"), "\(run.transcript)")

    // A typo: the check stage fails, and the running server keeps answering.
    try project.replace("server.js", "cosnt typo = 1;\n" + server.replacingOccurrences(of: "Hello from Node!", with: "Broken"))
    #expect(await run.waitForLine(containing: "✗ stage 'check'"), "\(run.transcript)")
    #expect(run.output.contains { $0.contains("the running app (pid") && $0.contains("is kept") }, "\(run.transcript)")
    #expect(await run.waitForAnswer(port: port, containing: "Zero"), "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
  }

  @Test("a changed start script in package.json reloads the built-in node pipeline: the new entry point runs, and npm install runs for the change")
  func runWithoutAFileReloadsWhenTheStartScriptChanges() async throws {
    try ExampleProject.requireTool("node", install: "install Node.js 18 or newer")
    let project = try ExampleProject.copy("node", leaving: ["pipeline.yaml"])
    let server = try #require(project.read("server.js"))
    try project.write("second.js", server.replacingOccurrences(of: "Hello from Node!", with: "Second entry"))
    let port = try Loopback.freePort()
    let run = try PipelineRun(["run"], in: project.root, environment: ["PORT": "\(port)"])
    #expect(await run.waitForAnswer(port: port, containing: "Hello from Node!"), "\(run.transcript)")
    let manifest = try #require(project.read("package.json"))
    try project.replace("package.json", manifest.replacingOccurrences(of: "node server.js", with: "node second.js"))
    #expect(await run.waitForLine(containing: "package.json changed: stopping the running pipeline to start the new one"), "\(run.transcript)")
    #expect(await run.waitForLine(containing: "entry point: node second.js"), "\(run.transcript)")
    #expect(await run.waitForAnswer(port: port, containing: "Second entry"), "\(run.transcript)")
    #expect(run.output.contains { $0.contains("[install] $ npm install") }, "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
  }

  @Test("the built-in python pipeline restarts the app on an edit, and keeps it on a syntax error")
  func runWithoutAFileServesAPythonProject() async throws {
    try ExampleProject.requireTool("python3", install: "install Python 3")
    let project = try TemporaryProject("python-app")
    try project.write("requirements.txt", "")
    let app = """
      import http.server, os

      MESSAGE = "Hello from Python!"

      class Handler(http.server.BaseHTTPRequestHandler):
          def do_GET(self):
              self.send_response(200)
              self.end_headers()
              self.wfile.write(MESSAGE.encode())

      if __name__ == "__main__":
          http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()

      """
    try project.write("app.py", app)
    let port = try Loopback.freePort()
    let run = try PipelineRun(["run"], in: project.root, environment: ["PORT": "\(port)"])
    #expect(await run.waitForLine(containing: "using the built-in python pipeline"), "\(run.transcript)")
    #expect(await run.waitForAnswer(port: port, containing: "Hello from Python!"), "\(run.transcript)")
    try project.write("app.py", app.replacingOccurrences(of: "Hello from Python!", with: "Zero"))
    #expect(await run.waitForAnswer(port: port, containing: "Zero"), "\(run.transcript)")

    try project.write("app.py", "clas Typo:\n    pass\n" + app.replacingOccurrences(of: "Hello from Python!", with: "Broken"))
    #expect(await run.waitForLine(containing: "✗ stage 'check'"), "\(run.transcript)")
    #expect(run.output.contains { $0.contains("SyntaxError") }, "\(run.transcript)")
    #expect(await run.waitForAnswer(port: port, containing: "Zero"), "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
    #expect(!run.output.contains { $0.contains("KeyboardInterrupt") }, "stopped with SIGTERM, no traceback: \(run.transcript)")
  }

  @Test func runWithoutAFileServesASwiftPackage() async throws {
    let project = try ExampleProject.copy("swift-server", leaving: ["pipeline.yaml"])
    let port = try Loopback.freePort()
    let run = try PipelineRun(["run"], in: project.root, environment: ["PORT": "\(port)"])
    #expect(await run.waitForLine(containing: "using the built-in swift pipeline (found Package.swift)"), "\(run.transcript)")
    #expect(await run.waitForAnswer(port: port, containing: "Hello from Swift!", timeout: .seconds(300)), "\(run.transcript)")
    try project.replace("Sources/HelloServer/Greeting.swift", #"let greeting = "Zero""# + "\n")
    #expect(await run.waitForAnswer(port: port, containing: "Zero", timeout: .seconds(180)), "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
  }

  @Test func runWithNothingToDetectSaysWhatItLookedFor() async throws {
    let project = try TemporaryProject("empty")
    try project.write("notes.txt", "nothing to build\n")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.exitStatus() == .exited(2))
    #expect(
      run.output.contains(
        "error: no pipeline.yaml here, and no project to run a built-in pipeline for: looked for go.mod, Package.swift, package.json, Cargo.toml, pyproject.toml, requirements.txt, Makefile, makefile, GNUmakefile"),
      "\(run.transcript)")
  }

  @Test func runStopsAtStartWhenAGoModuleHasSeveralMainPackages() async throws {
    let project = try TemporaryProject("gocmd")
    try project.write("go.mod", "module example.com/tools\n")
    try project.write("cmd/api/main.go", "package main\n\nfunc main() {}\n")
    try project.write("cmd/worker/main.go", "package main\n\nfunc main() {}\n")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.exitStatus() == .exited(2), "\(run.transcript)")
    #expect(
      run.output.contains("error: the go pipeline builds one main package, and cmd/ holds 2: ./cmd/api, ./cmd/worker; it picks none"),
      "\(run.transcript)")
    let initRun = try PipelineRun(["init"], in: project.root)
    #expect(await initRun.exitStatus() == .exited(0), "\(initRun.transcript)")
    #expect(project.read("pipeline.yaml")?.contains("-o, ./tmp/main.next, ./cmd/api]") == true)
  }

  @Test func validateWithoutAFileChecksTheBuiltInPipeline() async throws {
    let project = try TemporaryProject("validate")
    try project.write("package.json", #"{"scripts": {"start": "node app.js"}}"#)
    let run = try PipelineRun(["validate"], in: project.root)
    #expect(await run.exitStatus() == .exited(0), "\(run.transcript)")
    #expect(run.output.contains("<built-in node pipeline>: ok — 6 stages: watch → debounce → filter → install → check → restart"), "\(run.transcript)")
    #expect(!FileManager.default.fileExists(atPath: project.path("pipeline.yaml")), "validate writes nothing")
  }

  @Test(arguments: ["go", "swift", "node", "rust", "python", "make"])
  func initWritesAFileThatValidates(template: String) async throws {
    let project = try TemporaryProject("init")
    let initRun = try PipelineRun(["init", "--template", template], in: project.root)
    #expect(await initRun.exitStatus() == .exited(0), "\(initRun.transcript)")
    #expect(project.read("pipeline.yaml")?.contains("pipeline init --template \(template)") == true)
    let validate = try PipelineRun(["validate", "pipeline.yaml"], in: project.root)
    #expect(await validate.exitStatus() == .exited(0), "\(validate.transcript)")
  }

  @Test func initRefusesToOverwriteAndNamesTheTemplates() async throws {
    let project = try TemporaryProject("init")
    try project.write("pipeline.yaml", "mine\n")
    try project.write("go.mod", "module x\n")
    let again = try PipelineRun(["init"], in: project.root)
    #expect(await again.exitStatus() == .exited(2))
    #expect(again.output.contains("error: pipeline.yaml already exists; not overwriting it"), "\(again.transcript)")
    #expect(project.read("pipeline.yaml") == "mine\n")
    let unknown = try PipelineRun(["init", "--template", "java", "--force"], in: project.root)
    #expect(await unknown.exitStatus() == .exited(2))
    #expect(unknown.output.contains("  help: Known: go, make, node, python, rust, swift"), "\(unknown.transcript)")
    #expect(project.read("pipeline.yaml") == "mine\n")
  }
}
