import Foundation
import PipelineCore
@testable import PipelineCLI
import PipelineStages
import Testing

/// Which built-in pipeline a folder gets, and what run, validate and init say about it.
@Suite struct ProjectDetectionTests {
  @Test(arguments: [
    ("go.mod", "go"), ("Package.swift", "swift"), ("package.json", "node"), ("Cargo.toml", "rust"),
    ("pyproject.toml", "python"), ("requirements.txt", "python"), ("Makefile", "make"),
  ])
  func eachMarkerSelectsItsTemplate(marker: String, template: String) throws {
    let project = try ScratchProject([marker: "{}"])
    let detection = try #require(ProjectDetection.detect(in: project.folder))
    #expect(detection.template.name == template)
    #expect(detection.marker == marker)
  }

  @Test func aLanguageManifestWinsOverPackageJsonAndMakefile() throws {
    let project = try ScratchProject(["Makefile": "", "package.json": "{}", "go.mod": "module x\n"])
    let detection = try #require(ProjectDetection.detect(in: project.folder))
    #expect(detection.template.name == "go")
    #expect(detection.alsoFound.map(\.template) == ["node", "make"])
    let notice = PipelineChoice.notice(for: detection)
    #expect(notice.contains("using the built-in go pipeline (found go.mod)"))
    #expect(notice.contains("pipeline init"))
    #expect(notice.contains("also found package.json (node), Makefile (make)"))
  }

  @Test func anEmptyFolderHasNoProject() throws {
    let project = try ScratchProject(["README.md": ""])
    #expect(ProjectDetection.detect(in: project.folder) == nil)
  }

  @Test func withoutAFileTheBuiltInPipelineIsLoaded() throws {
    let project = try ScratchProject(["package.json": #"{"scripts": {"start": "node app.js"}}"#])
    let choice = try PipelineChoice.load(file: nil, registry: .builtIn, folder: project.folder)
    #expect(choice.definition.file == "<built-in node pipeline>")
    #expect(choice.definition.root == project.folder.path)
    #expect(choice.definition.stages.map(\.name) == ["watch", "debounce", "filter", "install", "check", "restart"])
    #expect(choice.notice?.hasPrefix("no pipeline.yaml here: using the built-in node pipeline (found package.json)") == true)
  }

  @Test func aPipelineFileWinsOverDetection() throws {
    let project = try ScratchProject([
      "package.json": "{}",
      "pipeline.yaml": "stages:\n  - stage: watch\n  - stage: run\n    name: only\n    run: echo\n",
    ])
    let choice = try PipelineChoice.load(file: nil, registry: .builtIn, folder: project.folder)
    #expect(choice.notice == nil)
    #expect(choice.definition.stages.map(\.name) == ["watch", "only"])
  }

  @Test func nothingDetectedSaysWhatWasLookedFor() throws {
    let project = try ScratchProject()
    #expect {
      _ = try PipelineChoice.load(file: nil, registry: .builtIn, folder: project.folder)
    } throws: { error in
      let text = (error as? DiagnosticList)?.description ?? ""
      return text.contains(
        "error: no pipeline.yaml here, and no project to run a built-in pipeline for: looked for go.mod, Package.swift, package.json, Cargo.toml, pyproject.toml, requirements.txt, Makefile, makefile, GNUmakefile")
        && text.contains("help: write a pipeline (`pipeline init --template NAME` writes a commented one; templates: go, swift, node, rust, python, make)")
    }
  }
}
