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
    #expect(try start(["package.json": #"{"scripts": {"start": "nodemon app.js"}}"#]) == ["npm", "start"])
  }

  @Test func withoutAStartScriptServerJsThenMainThenIndexJs() throws {
    #expect(try start(["package.json": #"{"main": "lib/app.js"}"#, "server.js": ""]) == ["node", "server.js"])
    #expect(try start(["package.json": #"{"main": "lib/app.js"}"#]) == ["node", "lib/app.js"])
    #expect(try start(["package.json": "{}"]) == ["node", "index.js"])
    #expect(try start(["package.json": "not json"]) == ["node", "index.js"])
  }

  @Test func theArgvIsQuotedForYAML() {
    #expect(NodeStartCommand(arguments: ["node", #"a"b.js"#], origin: "").yaml == #"["node", "a\"b.js"]"#)
  }
}
