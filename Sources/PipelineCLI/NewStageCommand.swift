import ArgumentParser
import FoundationEssentials
import PipelineCore

/// `pipeline new-stage NAME`: writes a Swift package for a custom stage, ready to build, with a
/// test, a runner with the stage compiled in (Way 1) and the stage served as a program (Way 2).
struct NewStageCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "new-stage",
    abstract: "Write a Swift package for a custom stage: the stage, a test, a runner and an external-stage program.",
    discussion: """
      NAME is the stage's name in pipeline files, in snake case (lint, http_check). The package \
      depends on pipeline through --pipeline-url (a git URL, for a released pipeline) or \
      --pipeline-path (a local checkout). See Documentation/WritingAStage.md.
      """)

  @Argument(help: "The stage's name in `stage:`, in snake case, like lint or http_check.")
  var name: String

  @Option(help: "The folder to write; default: NAME with dashes, in the current folder.")
  var output: String?

  @Option(help: "Depend on the pipeline package at this git URL.")
  var pipelineURL: String?

  @Option(help: "The version of the pipeline package to require from --pipeline-url.")
  var pipelineVersion: String = PipelineVersion.current

  @Option(help: "Depend on a local checkout of pipeline at this path instead of a URL.")
  var pipelinePath: String?

  func validate() throws {
    guard NewStageTemplate.isValidName(name) else {
      throw ValidationError(
        "'\(name)' is not a stage name: use lowercase letters, digits and underscores, starting with a letter (like lint or http_check)")
    }
    // A runner with both stages of one name fails at start; say it before anything is written.
    if RegistryHolder.registry.descriptor(named: name) != nil {
      throw ValidationError(
        "'\(name)' is already a stage of pipeline (`pipeline stages` lists them): a custom stage needs a name of its own, like my_\(name)")
    }
    guard (pipelineURL == nil) != (pipelinePath == nil) else {
      throw ValidationError(
        "say where the pipeline package comes from: --pipeline-url https://…/pipeline.git for a release, or --pipeline-path PATH for a local checkout (one of them)")
    }
    if let pipelinePath, !FileManager.default.fileExists(atPath: pipelinePath + "/Package.swift") {
      throw ValidationError(
        "--pipeline-path \(pipelinePath) is not a checkout of pipeline: it holds no Package.swift (give the folder of pipeline's Package.swift)")
    }
    guard NewStageTemplate.isValidVersion(pipelineVersion) else {
      throw ValidationError(
        "--pipeline-version \(pipelineVersion) is not a version SwiftPM can require: write MAJOR.MINOR.PATCH, like \(PipelineVersion.current)")
    }
  }

  func run() async throws {
    let terminal = TerminalWriter()
    let folder = output ?? name.replacing("_", with: "-")
    let dependency: NewStageTemplate.Dependency
    if let pipelinePath {
      dependency = .path(URL(fileURLWithPath: pipelinePath).standardizedFileURL.path)
    } else {
      dependency = .url(pipelineURL ?? "", from: pipelineVersion)
    }
    let template = NewStageTemplate(name: name, dependency: dependency)
    let manager = FileManager.default
    if manager.fileExists(atPath: folder + "/Package.swift") {
      terminal.line("error: \(folder)/Package.swift already exists\n  help: choose another NAME or --output folder", error: true)
      throw ExitCode(1)
    }
    for (path, content) in template.files {
      let full = folder + "/" + path
      try manager.createDirectory(
        atPath: PathText.parent(full), withIntermediateDirectories: true)
      try content.write(toFile: full, atomically: true, encoding: .utf8)
    }
    let steps = [
      ("cd \(folder) && swift test", "its test"),
      ("swift run \(template.runnerProduct) run", "pipeline.yaml, with '\(name)' compiled in"),
      ("swift build --product \(template.serverProduct)", "the same stage for `stage: external`"),
    ]
    let width = steps.map(\.0.count).max() ?? 0
    terminal.line(
      "wrote \(folder)/ — the '\(name)' stage (\(template.typeName) in Sources/\(template.module)/)\n"
        + steps.map { command, what in "  \(command)\(String(repeating: " ", count: width - command.count))  # \(what)" }
        .joined(separator: "\n"))
  }
}
