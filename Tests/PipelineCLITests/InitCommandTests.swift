import Foundation
import PipelineCore
@testable import PipelineCLI
import Testing

/// `pipeline init`: writes the template, never overwrites by surprise, and says what is wrong.
@Suite struct InitCommandTests {
  func initCommand(_ arguments: [String]) throws -> InitCommand {
    try InitCommand.parse(arguments)
  }

  @Test func writesTheDetectedTemplate() throws {
    let project = try ScratchProject(["go.mod": "module x\n"])
    let message = try initCommand([]).write(in: project.folder)
    #expect(project.read("pipeline.yaml") == PipelineTemplate.go.text(for: project.folder))
    #expect(message.hasPrefix("wrote pipeline.yaml: the go pipeline (found go.mod)"))
  }

  @Test func theTemplateOptionOverridesDetection() throws {
    let project = try ScratchProject(["go.mod": "module x\n"])
    _ = try initCommand(["--template", "make"]).write(in: project.folder)
    #expect(project.read("pipeline.yaml") == PipelineTemplate.make.text(for: project.folder))
  }

  @Test("a template whose commands need its manifest warns when the folder has none; python's and node's do not need one")
  func aTemplateWithoutItsManifestWarns() throws {
    let empty = try ScratchProject()
    let swift = try initCommand(["--template", "swift"]).write(in: empty.folder)
    #expect(swift.contains("warning: there is no Package.swift here, which the swift pipeline's commands expect"))
    #expect(!swift.contains("entry point:"), "nothing to read it from: \(swift)")
    let make = try initCommand(["--template", "make", "--force"]).write(in: empty.folder)
    #expect(make.contains("warning: there is no Makefile, makefile or GNUmakefile here"))
    let scripts = try ScratchProject(["main.py": "print(1)\n"])
    #expect(!(try initCommand(["--template", "python"]).write(in: scripts.folder)).contains("warning"))
    let rust = try ScratchProject(["Cargo.toml": "[package]\nname = \"x\"\n"])
    #expect(!(try initCommand(["--template", "rust"]).write(in: rust.folder)).contains("warning"))
  }

  @Test func refusesToOverwriteWithoutForce() throws {
    let project = try ScratchProject(["go.mod": "module x\n", "pipeline.yaml": "mine\n"])
    #expect(throws: Diagnostic(
      at: nil, "pipeline.yaml already exists; not overwriting it",
      help: "pass --force to replace it with the go template, or move it away first")
    ) {
      _ = try initCommand([]).write(in: project.folder)
    }
    #expect(project.read("pipeline.yaml") == "mine\n")
    _ = try initCommand(["--force"]).write(in: project.folder)
    #expect(project.read("pipeline.yaml") == PipelineTemplate.go.text(for: project.folder))
  }

  @Test func anUnknownTemplateListsTheTemplates() throws {
    let project = try ScratchProject()
    #expect(throws: Diagnostic(
      at: nil, "unknown template 'nodejs'",
      help: "did you mean 'node'? Known: go, make, node, python, rust, swift")
    ) {
      _ = try initCommand(["--template", "nodejs"]).write(in: project.folder)
    }
    #expect(project.read("pipeline.yaml") == nil)
  }

  @Test func nothingDetectedAsksForATemplate() throws {
    let project = try ScratchProject()
    #expect(throws: Diagnostic(
      at: nil,
      "no project found to write a pipeline for: looked for go.mod, Package.swift, package.json, Cargo.toml, pyproject.toml, requirements.txt, Makefile, makefile, GNUmakefile",
      help: "name the stack: pipeline init --template NAME (one of go, swift, node, rust, python, make)")
    ) {
      _ = try initCommand([]).write(in: project.folder)
    }
  }
}
