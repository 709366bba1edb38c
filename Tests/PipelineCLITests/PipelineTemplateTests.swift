import Foundation
import PipelineCore
@testable import PipelineCLI
@testable import PipelineStages
import Testing

/// The built-in pipelines: each is valid for the built-in stages, and the examples in
/// pipelines/ are exactly what `pipeline init` writes for them.
@Suite struct PipelineTemplateTests {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

  @Test(arguments: PipelineTemplate.all.map(\.name))
  func everyTemplateValidates(name: String) throws {
    let template = try #require(PipelineTemplate.named(name))
    let project = try ScratchProject()
    let text = template.text(for: project.folder)
    do {
      _ = try PipelineLoader(registry: .builtIn).load(text: text, file: "\(name).yaml", root: project.folder.path)
    } catch {
      Issue.record("the \(name) template does not validate:\n\(error)")
    }
  }

  @Test(arguments: PipelineTemplate.all.map(\.name))
  func everyTemplateExplainsItsKeys(name: String) throws {
    let project = try ScratchProject()
    let text = try #require(PipelineTemplate.named(name)).text(for: project.folder)
    #expect(text.hasPrefix("# pipeline.yaml for "))
    #expect(text.contains("pipeline init --template \(name)"))
    #expect(text.contains("# default"), "keys carry their default in a comment")
    #expect(text.hasSuffix("\n"))
  }

  @Test(arguments: [("go", "go"), ("node", "node"), ("swift-server", "swift")])
  func theExamplePipelineIsWhatInitWrites(example: String, template name: String) throws {
    let folder = ProjectFolder(path: Self.repository + "/pipelines/" + example)
    let written = try #require(folder.text(of: "pipeline.yaml"), "pipelines/\(example)/pipeline.yaml")
    let template = try #require(PipelineTemplate.named(name))
    #expect(written == template.text(for: folder), "regenerate it: cd pipelines/\(example) && pipeline init --force")
    #expect(ProjectDetection.detect(in: folder)?.template.name == name)
  }

  /// A `go get` (go.mod, go.sum) changes the binary as much as a .go file does.
  @Test func theGoTemplateRebuildsForModuleFilesAndSources() throws {
    let project = try ScratchProject()
    let text = try #require(PipelineTemplate.named("go")).text(for: project.folder)
    let definition = try PipelineLoader(registry: .builtIn).load(text: text, file: "go.yaml", root: project.folder.path)
    let filter = try #require(definition.stages.first { $0.name == "filter" }?.configuration as? FilterStage.Configuration)
    var rules = FilterRules(
      include: filter.include, extensions: filter.extensions, exclude: filter.exclude,
      excludedFolders: filter.excludedFolders, ignoresEditorNoise: true, gitignore: nil)
    for kept in ["go.mod", "go.sum", "tools/go.mod", "main.go", "web/page.tmpl"] {
      #expect(rules.dropReason(for: kept, isDirectory: false) == nil, "\(kept) is dropped")
    }
    for dropped in ["README.md", "notes.txt"] {
      #expect(rules.dropReason(for: dropped, isDirectory: false) != nil, "\(dropped) is kept")
    }
  }

  @Test func namesAreUniqueAndMarkersAreNotShared() {
    #expect(Set(PipelineTemplate.all.map(\.name)).count == PipelineTemplate.all.count)
    #expect(Set(PipelineTemplate.allMarkers).count == PipelineTemplate.allMarkers.count)
    #expect(PipelineTemplate.names == "go, swift, node, rust, python, make")
  }

  @Test func theSwiftTemplateRunsTheProductOfThePackage() throws {
    let project = try ScratchProject([
      "Package.swift": """
        let package = Package(
          name: "api",
          products: [.library(name: "Core", targets: ["Core"]), .executable( name: "api-server", targets: ["Server"])],
          targets: [.target(name: "Core"), .executableTarget(name: "Server")])
        """
    ])
    let text = PipelineTemplate.swift.text(for: project.folder)
    #expect(text.contains("run: [swift, build, --scratch-path, .build-pipeline, --product, api-server]"))
    #expect(text.contains("run: [./.build-pipeline/debug/api-server]"))
  }

  @Test func theSwiftTemplateFallsBackToSwiftRun() throws {
    let project = try ScratchProject(["Package.swift": "let package = Package(name: names.first!)"])
    let text = PipelineTemplate.swift.text(for: project.folder)
    #expect(text.contains("run: [swift, run, --scratch-path, .build-pipeline, --skip-build]"))
  }

  @Test func theSwiftProductComesFromAnExecutableTargetToo() throws {
    let project = try ScratchProject(["Package.swift": #"targets: [.executableTarget(name: "tool", path: "x")]"#])
    #expect(SwiftProduct.name(in: project.folder) == "tool")
  }

  @Test func theRustTemplateRunsThePackageBinary() throws {
    let project = try ScratchProject([
      "Cargo.toml": "[workspace]\nname = \"no\"\n\n[package]\nname = \"web-app\"\nversion = \"0.1.0\"\n"
    ])
    #expect(CargoPackage.name(in: project.folder) == "web-app")
    #expect(PipelineTemplate.rust.text(for: project.folder).contains("run: [./target/debug/web-app]"))
    let unnamed = try ScratchProject(["Cargo.toml": "[workspace]\nmembers = [\"a\"]\n"])
    #expect(PipelineTemplate.rust.text(for: unnamed.folder).contains("run: [cargo, run, --quiet]"))
  }

  @Test func thePythonTemplateFindsTheEntryPoint() throws {
    let django = try ScratchProject(["requirements.txt": "django\n", "manage.py": ""])
    #expect(PipelineTemplate.python.text(for: django.folder).contains("run: [python3, manage.py, runserver, --noreload]"))
    let flask = try ScratchProject(["pyproject.toml": "", "app.py": ""])
    #expect(PipelineTemplate.python.text(for: flask.folder).contains("run: [python3, app.py]"))
  }
}
