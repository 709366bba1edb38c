@testable import PipelineCLI
import Testing

/// How the node template starts the app, from package.json.
@Suite struct NodeStartCommandTests {
  func start(_ files: [String: String]) throws -> [String] {
    let project = try ScratchProject(files)
    return withExtendedLifetime(project) { NodeStartCommand.read(in: project.folder).arguments }
  }

  @Test func aPlainNodeStartScriptRunsWithoutNpm() throws {
    #expect(try start(["package.json": #"{"scripts": {"start": "node  --enable-source-maps src/index.js"}}"#])
      == ["node", "--enable-source-maps", "src/index.js"])
  }

  @Test func aStartScriptWithShellSyntaxGoesThroughNpm() throws {
    #expect(try start(["package.json": #"{"scripts": {"start": "NODE_ENV=dev node app.js"}}"#]) == ["npm", "start"])
    #expect(try start(["package.json": #"{"scripts": {"start": "node a.js && node b.js"}}"#]) == ["npm", "start"])
  }

  @Test("a start script made for nodemon or node --watch runs node alone, since pipeline restarts the app; with nodemon's options, npm start and a warning")
  func aReloaderInTheStartScriptIsLeftOut() throws {
    #expect(try start(["package.json": #"{"scripts": {"start": "nodemon app.js"}}"#]) == ["node", "app.js"])
    #expect(try start(["package.json": #"{"scripts": {"start": "node --watch --enable-source-maps app.js"}}"#]) == ["node", "--enable-source-maps", "app.js"])
    #expect(try start(["package.json": #"{"scripts": {"start": "node --watch-path=src src/app.js"}}"#]) == ["node", "src/app.js"])
    #expect(try start(["package.json": #"{"scripts": {"start": "node --watch app.js --flag"}}"#]) == ["node", "app.js", "--flag"])
    let project = try ScratchProject(["package.json": #"{"scripts": {"start": "nodemon --exec 'node app.js'"}}"#])
    let withOptions = NodeStartCommand.read(in: project.folder)
    #expect(withOptions.arguments == ["npm", "start"])
    #expect(withOptions.origin.contains("warning: it runs nodemon, which restarts the app on its own as well as pipeline"))
    let nodeProject = try ScratchProject(["package.json": #"{"scripts": {"start": "nodemon app.js"}}"#])
    #expect(NodeStartCommand.read(in: nodeProject.folder).origin.hasPrefix("package.json's start script without nodemon (`nodemon app.js`)"))
  }

  @Test func withoutAStartScriptServerJsThenMainThenIndexJs() throws {
    #expect(try start(["package.json": #"{"main": "lib/app.js"}"#, "server.js": "", "lib/app.js": ""]) == ["node", "server.js"])
    #expect(try start(["package.json": #"{"main": "lib/app.js"}"#, "lib/app.js": "", "index.js": ""]) == ["node", "lib/app.js"])
    #expect(try start(["package.json": "{}", "index.js": ""]) == ["node", "index.js"])
  }

  @Test func withNothingToStartTheIndexJsPlaceholderComesWithAProblem() throws {
    let project = try ScratchProject(["package.json": "{}"])
    let start = NodeStartCommand.read(in: project.folder)
    #expect(start.arguments == ["node", "index.js"])
    #expect(start.entryPoint.problem?.message
      == "the node pipeline found nothing to start: package.json has no scripts.start, it has no main, and there is no server.js or index.js")
    let broken = try ScratchProject(["package.json": "not json", "index.js": ""])
    guard case .unreadable = NodeStartCommand.read(in: broken.folder).entryPoint else {
      Issue.record("a package.json that is not JSON is not guessed around")
      return
    }
  }

  @Test func theArgvIsQuotedForYAML() {
    #expect(NodeStartCommand(arguments: ["node", #"a"b.js"#], origin: "").yaml == #"["node", "a\"b.js"]"#)
  }
}
