import ArgumentParser
import FoundationEssentials
import Glibc
import PipelineCore

/// `pipeline init [--template NAME] [--force]`: writes the built-in pipeline for the project
/// as a commented `pipeline.yaml` to edit — the very text `pipeline run` runs without one.
struct InitCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "init",
    abstract: "Write a commented pipeline.yaml for the project in the current folder.",
    discussion: """
      Without --template, the project is detected as pipeline run does without a file \
      (the first found of \(PipelineTemplate.allMarkers.joined(separator: ", "))). The file is \
      what pipeline run runs when there is none, with comments on each key and its default.
      """)

  @Option(name: .long, help: ArgumentHelp("The stack: \(PipelineTemplate.names).", valueName: "name"))
  var template: String?

  @Flag(name: .long, help: "Overwrite an existing pipeline.yaml.")
  var force = false

  func run() async throws {
    let terminal = TerminalWriter()
    do throws(Diagnostic) {
      let written = try write(in: .current)
      terminal.line(written)
    } catch {
      terminal.line(error.description, error: true)
      throw ExitCode(2)
    }
  }

  /// Writes the file in `folder`; returns what to tell the user.
  func write(in folder: ProjectFolder) throws(Diagnostic) -> String {
    let file = PipelineChoice.defaultFile
    let chosen: PipelineTemplate
    let reason: String
    if let template {
      guard let named = PipelineTemplate.named(template) else {
        throw Diagnostic(
          at: nil, "unknown template '\(template)'",
          help: Suggestions.hint(for: template, known: PipelineTemplate.all.map(\.name)))
      }
      chosen = named
      reason = "--template \(template)"
    } else {
      guard let detection = ProjectDetection.detect(in: folder) else {
        throw Diagnostic(
          at: nil,
          "no project found to write a pipeline for: looked for \(PipelineTemplate.allMarkers.joined(separator: ", "))",
          help: "name the stack: pipeline init --template NAME (one of \(PipelineTemplate.names))")
      }
      chosen = detection.template
      reason = "found \(detection.marker)"
    }
    let rendering = chosen.rendering(for: folder)
    let entryPoint = rendering.entryPoint
    if case .unreadable(let problem) = entryPoint { throw problem }
    if folder.exists(file), !force {
      throw Diagnostic(
        at: nil, "\(file) already exists; not overwriting it",
        help: "pass --force to replace it with the \(chosen.name) template, or move it away first")
    }
    let path = folder.path + "/" + file
    if let code = FileBytes.write(Array(rendering.text.utf8), toFile: path) {
      throw Diagnostic(
        at: nil, "cannot write \(file): \(String(cString: strerror(code)))",
        help: code == EISDIR ? "\(file) is a folder: rename or remove it first" : "check the folder's permissions")
    }
    var message = "wrote \(file): the \(chosen.name) pipeline (\(reason)): \(chosen.summary)\n"
    // Without the manifest there was nothing to read the entry point from: the warning says so.
    let lacksManifest = chosen.needsMarker && chosen.marker(in: folder) == nil
    switch entryPoint {
    case .found(let what): if !lacksManifest { message += "  entry point: \(what)\n" }
    case .missing(let problem), .unreadable(let problem):
      message += "  warning: \(problem.message)\n  help: edit \(file) to name it (the comment above the line to change says which), then: pipeline run"
      return message
    case nil: break
    }
    if lacksManifest {
      let markers = chosen.markers.count > 1
        ? chosen.markers.dropLast().joined(separator: ", ") + " or " + chosen.markers[chosen.markers.count - 1]
        : chosen.markers.joined()
      message += "  warning: there is no \(markers) here, which the \(chosen.name) pipeline's commands expect\n"
      message += "  help: run `pipeline init` in the project's folder, or create the project here first\n"
    }
    return message + "  run it with: pipeline run"
  }
}
