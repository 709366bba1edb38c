import Foundation
import PipelineCore
@testable import PipelineCLI
import PipelineStages
import Testing

/// What the built-in go, python and node pipelines build or start, and what run, validate
/// and init say when there is nothing, or too much, to choose from.
@Suite struct EntryPointTests {
  /// The error `run` and `validate` stop with in `project`, or `nil` when they load.
  func loadError(_ project: ScratchProject) -> String? {
    do {
      _ = try PipelineChoice.load(file: nil, registry: .builtIn, folder: project.folder)
      return nil
    } catch {
      return error.description
    }
  }

  // MARK: Go

  @Test func aGoModuleWhoseOnlyMainPackageIsUnderCmdBuildsThatPackage() throws {
    let project = try ScratchProject([
      "go.mod": "module example.com/api\n", "cmd/server/main.go": "// Server.\npackage main\n\nfunc main() {}\n",
      "internal/store/store.go": "package store\n",
    ])
    let main = GoMainPackage.find(in: project.folder)
    #expect(main.path == "./cmd/server")
    let text = PipelineTemplate.go.text(for: project.folder)
    #expect(text.contains("run: [go, build, -tags, dev, -ldflags=-buildid=, -o, ./tmp/main.next, ./cmd/server]"))
    #expect(text.contains("# The package built: ./cmd/server, the only main package under cmd/ (this folder has no .go file)."))
    let choice = try PipelineChoice.load(file: nil, registry: .builtIn, folder: project.folder)
    #expect(choice.notice?.contains("\n  entry point: ./cmd/server, the only main package under cmd/") == true)
    let message = try InitCommand.parse([]).write(in: project.folder)
    #expect(message.contains("  entry point: ./cmd/server, the only main package under cmd/"))
    #expect(message.hasSuffix("  run it with: pipeline run"))
  }

  @Test func aMainPackageUnderCmdNeedNotBeInMainGo() throws {
    let project = try ScratchProject([
      "go.mod": "module x\n", "lib.go": "/* The library. */\npackage x\n",
      "cmd/tool/tool.go": "//go:build !windows\n\npackage main\n", "cmd/tool/tool_test.go": "package main\n",
      "cmd/README.md": "",
    ])
    #expect(GoMainPackage.find(in: project.folder).path == "./cmd/tool")
    #expect(GoMainPackage.find(in: project.folder).entryPoint
      == .found("./cmd/tool, the only main package under cmd/ (this folder's package is not main)"))
  }

  @Test func aMainPackageInTheModuleFolderIsBuiltAsBefore() throws {
    let project = try ScratchProject([
      "go.mod": "module x\n", "main.go": "package main\n", "cmd/other/main.go": "package main\n",
    ])
    #expect(GoMainPackage.find(in: project.folder).path == ".")
    #expect(PipelineTemplate.go.text(for: project.folder).contains("-o, ./tmp/main.next, .]"))
  }

  @Test func severalMainPackagesUnderCmdAreListedAndNoneIsPicked() throws {
    let project = try ScratchProject([
      "go.mod": "module x\n", "cmd/api/main.go": "package main\n", "cmd/worker/main.go": "package main\n",
      "cmd/_old/main.go": "package main\n", "cmd/shared/shared.go": "package shared\n",
    ])
    let error = try #require(loadError(project))
    #expect(error.contains(
      "error: the go pipeline builds one main package, and cmd/ holds 2: ./cmd/api, ./cmd/worker; it picks none"))
    #expect(error.contains(
      "help: `pipeline init` writes the pipeline to pipeline.yaml: put the one to run at the end of its build line (`go build … ./cmd/api`), then `pipeline run`"))
    let message = try InitCommand.parse([]).write(in: project.folder)
    #expect(message.contains("  warning: the go pipeline builds one main package, and cmd/ holds 2"))
    #expect(project.read("pipeline.yaml")?.contains(
      "# cmd/ holds several main packages (./cmd/api, ./cmd/worker): this builds the first; put yours.") == true)
  }

  @Test func aGoModuleWithoutAnyMainPackageSaysWhereItLooked() throws {
    let project = try ScratchProject(["go.mod": "module x\n", "x.go": "package x\n"])
    #expect(loadError(project)?.contains(
      "error: the go pipeline found no main package to build: no .go file of package main in this folder, nor in cmd/ or a folder under it") == true)
  }

  @Test(arguments: [
    ("package main\n", "main"), ("// Copyright\n\n/* a\n   b */\npackage  server // x\n", "server"),
    ("/* a */ package lib\n", "lib"), ("func main() {}\n", nil), ("packaged x\n", nil),
  ] as [(String, String?)])
  func theGoPackageClauseIsRead(source: String, name: String?) {
    #expect(GoMainPackage.packageName(of: source) == name)
  }

  // MARK: Python

  @Test func aPythonPackageWithMainIsRunAsAModule() throws {
    let project = try ScratchProject([
      "pyproject.toml": "", "shop/__main__.py": "", "shop/__init__.py": "", "tests/__main__.py": "x",
      "setup.py": "", "test_shop.py": "",
    ])
    // tests/ is a package too: two candidates, then the lone script rule does not apply either.
    #expect(loadError(project)?.contains("(found packages with __main__.py: shop, tests)") == true)
    try FileManager.default.removeItem(atPath: project.folder.path + "/tests")
    let text = PipelineTemplate.python.text(for: project.folder)
    #expect(text.contains("run: [python3, -m, shop]"))
    #expect(text.contains("# Stops the old app, then starts the new one: package shop, the only folder here with a __main__.py."))
    let choice = try PipelineChoice.load(file: nil, registry: .builtIn, folder: project.folder)
    #expect(choice.notice?.contains("  entry point: python3 -m shop: package shop, the only folder here with a __main__.py") == true)
  }

  @Test func aLonePythonFileIsRun() throws {
    let project = try ScratchProject(["requirements.txt": "", "bot.py": "", "conftest.py": "", "setup.py": ""])
    #expect(PythonEntryPoint.find(in: project.folder).arguments == ["python3", "bot.py"])
  }

  @Test func amongSeveralPythonFilesTheOneWithAMainBlockIsRun() throws {
    let project = try ScratchProject([
      "requirements.txt": "", "util.py": "def f(): pass\n", "serve.py": "import util\nif __name__ == '__main__':\n    f()\n",
    ])
    #expect(PythonEntryPoint.find(in: project.folder).arguments == ["python3", "serve.py"])
  }

  @Test func withoutAPythonEntryPointRunSaysWhatItLookedForAndHowToSetIt() throws {
    let project = try ScratchProject(["requirements.txt": "", "a.py": "", "b.py": ""])
    let error = try #require(loadError(project))
    #expect(error.contains(
      "error: the python pipeline found no entry point to run: looked for manage.py, main.py, app.py, server.py, a [project.scripts] entry in pyproject.toml, a single package folder with __main__.py (here, else in src/), a single .py file"))
    #expect(error.contains("(found .py files: a.py, b.py)"))
    #expect(error.contains("help: `pipeline init` writes the pipeline to pipeline.yaml: set its restart stage's run: to your app"))
    let message = try InitCommand.parse([]).write(in: project.folder)
    #expect(message.contains("  warning: the python pipeline found no entry point to run"))
    #expect(project.read("pipeline.yaml")?.contains("main.py, a placeholder: no entry point was found; put yours here") == true)
  }

  // MARK: Node

  @Test func packageJsonMainIsStartedWhenItExists() throws {
    let project = try ScratchProject(["package.json": #"{"main": "lib/app"}"#, "lib/app.js": ""])
    let start = NodeStartCommand.read(in: project.folder)
    #expect(start.arguments == ["node", "lib/app"])
    #expect(PipelineTemplate.node.text(for: project.folder).contains(#"run: ["node", "lib/app"]"#))
    let choice = try PipelineChoice.load(file: nil, registry: .builtIn, folder: project.folder)
    #expect(choice.notice?.contains("  entry point: node lib/app: package.json's main") == true)
  }

  @Test func aMainThatDoesNotExistFallsBackToIndexJsOrSaysWhatIsMissing() throws {
    let project = try ScratchProject(["package.json": #"{"main": "dist/index.js"}"#])
    let error = try #require(loadError(project))
    #expect(error.contains(
      "error: the node pipeline found nothing to start: package.json has no scripts.start, its main is 'dist/index.js', which does not exist, and there is no server.js or index.js"))
    try project.write("index.js", "")
    #expect(NodeStartCommand.read(in: project.folder).entryPoint == .found("node index.js: index.js, Node's default entry point"))
  }

  @Test func aPackageJsonThatIsNotJsonIsReportedWhereItBreaks() throws {
    let project = try ScratchProject(["package.json": "{\n  \"name\": \"x\",\n  \"main\": app.js\n}\n", "index.js": ""])
    let error = try #require(loadError(project))
    #expect(error.hasPrefix("package.json:3:11: error: package.json is not valid JSON"), "\(error)")
    #expect(error.contains("so the node pipeline cannot read its start script or main\n  help: fix package.json"))
    #expect {
      _ = try InitCommand.parse([]).write(in: project.folder)
    } throws: { error in
      (error as? Diagnostic)?.location == SourceLocation(file: "package.json", line: 3, column: 11)
    }
    #expect(project.read("pipeline.yaml") == nil, "init guesses nothing")
  }

  @Test func aTruncatedPackageJsonIsReportedAtItsEnd() throws {
    let project = try ScratchProject(["package.json": "{\n  \"scripts\": {\n"])
    #expect(NodeStartCommand.read(in: project.folder).entryPoint.problem?.location
      == SourceLocation(file: "package.json", line: 3, column: 1))
  }
  // MARK: Swift and Rust

  func notice(_ project: ScratchProject) throws -> String {
    try PipelineChoice.load(file: nil, registry: .builtIn, folder: project.folder).notice ?? ""
  }

  @Test func theSwiftNoticeNamesTheProductItRuns() throws {
    let product = try ScratchProject([
      "Package.swift": #"products: [.executable(name: "api", targets: ["Server"])], targets: [.executableTarget(name: "Server")]"#
    ])
    #expect(try notice(product).contains("  entry point: ./.build-pipeline/debug/api: the executable product api, from Package.swift\n"))
    let target = try ScratchProject(["Package.swift": #"targets: [.executableTarget(name: "tool", path: "x")]"#])
    #expect(try notice(target).contains("  entry point: ./.build-pipeline/debug/tool: the executable target tool, from Package.swift\n"))
    let unnamed = try ScratchProject(["Package.swift": "let package = Package(name: names.first!)"])
    #expect(try notice(unnamed).contains("  entry point: swift run: no executable product named in Package.swift, so swift run picks it\n"))
  }

  @Test func theRustNoticeNamesTheBinaryItRuns() throws {
    let named = try ScratchProject(["Cargo.toml": "[package]\nname = \"web-app\"\n"])
    #expect(try notice(named).contains("  entry point: ./target/debug/web-app: the binary of package web-app, from Cargo.toml\n"))
    let unnamed = try ScratchProject(["Cargo.toml": "[workspace]\nmembers = [\"a\"]\n"])
    #expect(try notice(unnamed).contains("  entry point: cargo run: no [package] name was found in Cargo.toml, so cargo picks the binary\n"))
  }

  // MARK: Python's src layout and console scripts

  @Test func aPackageInSrcIsRunFromTheSources() throws {
    let project = try ScratchProject(["pyproject.toml": "", "src/shop/__main__.py": "", "src/shop/__init__.py": "", "tests/test_x.py": ""])
    let entry = PythonEntryPoint.find(in: project.folder)
    #expect(entry.arguments == ["python3", "-m", "shop"])
    #expect(entry.pythonPath == "src")
    let text = PipelineTemplate.python.text(for: project.folder)
    #expect(text.contains("    run: [python3, -m, shop]\n    env: {PYTHONPATH: src}"))
    #expect(try notice(project).contains("  entry point: PYTHONPATH=src python3 -m shop: package shop, the only folder in src/ with a __main__.py\n"))
  }

  @Test func aProjectScriptIsCalled() throws {
    let project = try ScratchProject([
      "pyproject.toml": """
        [project]
        name = "shop"
        dependencies = ["flask"]

        [project.scripts]
        # the server
        "shop-serve" = "shop.cli:App.serve"
        shop-admin = "shop.admin:main"

        [tool.ruff]
        line-length = 100
        """,
      "src/shop/__init__.py": "", "src/shop/cli.py": "",
    ])
    let entry = PythonEntryPoint.find(in: project.folder)
    #expect(entry.arguments == ["python3", "-c", "import sys; from shop.cli import App; sys.exit(App.serve())"])
    #expect(entry.pythonPath == "src")
    #expect(try notice(project).contains(
      "  entry point: PYTHONPATH=src python3 -c 'import sys; from shop.cli import App; sys.exit(App.serve())': shop.cli:App.serve, the script shop-serve of pyproject.toml's [project.scripts], imported from src/\n"))
    // Valid YAML: the pipeline loads, and its argv is the one found.
    #expect(PipelineTemplate.python.text(for: project.folder).contains(
      #"run: [python3, -c, "import sys; from shop.cli import App; sys.exit(App.serve())"]"#))
  }

  @Test(arguments: ["[project.scripts]\nx = \"a.b:c; import os\"\n", "[project.scripts]\nx = 3\n", "[project]\nscripts = { x = \"a:b\" }\n"])
  func anUnusableProjectScriptIsNotRun(pyproject: String) throws {
    let project = try ScratchProject(["pyproject.toml": pyproject, "app.py": ""])
    #expect(PythonProjectScript.find(in: project.folder) == nil)
    #expect(PythonEntryPoint.find(in: project.folder).arguments == ["python3", "app.py"])
  }
}
