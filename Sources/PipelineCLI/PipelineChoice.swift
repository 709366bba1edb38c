import FoundationEssentials
import PipelineCore

/// The pipeline `run` and `validate` act on: the file named on the command line, else
/// `pipeline.yaml` in the current folder, else the built-in pipeline for the project the
/// current folder holds (see ``ProjectDetection``).
struct PipelineChoice {
  /// The file name `run` and `validate` look for, and `init` writes.
  static let defaultFile = "pipeline.yaml"

  /// The loaded pipeline.
  let definition: PipelineDefinition
  /// How it was chosen, for standard error, when it is a built-in one.
  let notice: String?
  /// What the pipeline was read from: the file's bytes, or the built-in pipeline's text and
  /// notice. Two loads with the same source give the same pipeline.
  let source: [UInt8]
  /// The absolute paths of the files the pipeline was derived from: its YAML file; for a
  /// built-in pipeline, the project file (`package.json`) and a `pipeline.yaml` that
  /// would take its place. When one changes, `pipeline run` loads the pipeline again.
  let definitionFiles: [String]

  /// Whether the pipeline is a built-in one chosen for the project (always announced by a
  /// notice), not a file.
  var isBuiltIn: Bool { notice != nil }

  /// Loads the pipeline for `file`, or chooses one when `file` is `nil`.
  static func load(file: String?, registry: StageRegistry, folder: ProjectFolder = .current) throws(DiagnosticList)
    -> PipelineChoice
  {
    let loader = PipelineLoader(registry: registry)
    if let file {
      do {
        return try loadFile(file, loader: loader)
      } catch {
        throw mistypedCommand(file, folder: folder).map { DiagnosticList([$0]) } ?? error
      }
    }
    if folder.exists(defaultFile) {
      let isCurrent = folder.path == FileManager.default.currentDirectoryPath
      return try loadFile(isCurrent ? defaultFile : folder.path + "/" + defaultFile, loader: loader)
    }
    guard let detection = ProjectDetection.detect(in: folder) else {
      throw DiagnosticList([nothingDetected])
    }
    let template = detection.template
    // One reading of the manifest gives both the text and what it starts.
    let rendering = template.rendering(for: folder)
    if let problem = rendering.entryPoint?.problem { throw DiagnosticList([problem]) }
    let definition = try loader.load(text: rendering.text, file: builtInName(template), root: folder.path)
    let notice = notice(for: detection, entryPoint: rendering.entryPoint)
    return PipelineChoice(
      definition: definition, notice: notice, source: Array((rendering.text + "\n" + notice).utf8),
      definitionFiles: [detection.marker, defaultFile].map { folder.path + "/" + $0 })
  }

  /// Loads a pipeline file. Its bytes are read first: should the file change meanwhile, the
  /// source is the older one, and the next comparison loads it again.
  private static func loadFile(_ file: String, loader: PipelineLoader) throws(DiagnosticList) -> PipelineChoice {
    let absolute = PathText.join(FileManager.default.currentDirectoryPath, file)
    let bytes: [UInt8]
    if case .success(let data) = FileBytes.read(contentsOf: absolute) { bytes = data } else { bytes = [] }
    return PipelineChoice(
      definition: try loader.load(file: file), notice: nil, source: bytes, definitionFiles: [absolute])
  }

  /// `pipeline valdiate`, `pipeline version`: a word that is no file, read as a pipeline file
  /// because `run` is the default command. The error says which command was likely meant.
  static func mistypedCommand(_ file: String, folder: ProjectFolder) -> Diagnostic? {
    guard !file.contains("/"), !file.contains("."), !folder.exists(file) else { return nil }
    let meant: String
    switch file.lowercased() {
    case "version", "-version", "-v": meant = "pipeline --version"
    default:
      let commands = PipelineCommand.commandNames + ["help"]
      guard let command = Suggestions.nearest(to: file, in: commands) else { return nil }
      meant = "pipeline \(command)"
    }
    return Diagnostic(
      at: nil, "'\(file)' is neither a command nor a pipeline file",
      help: "did you mean `\(meant)`? (`pipeline --help` lists the commands)")
  }

  /// How the pipeline that ``load(file:registry:folder:)`` would load is named in messages.
  static func displayName(file: String?, folder: ProjectFolder) -> String {
    if let file { return file }
    if folder.exists(defaultFile) { return defaultFile }
    return ProjectDetection.detect(in: folder).map { builtInName($0.template) } ?? defaultFile
  }

  /// How built-in pipeline text is named in messages: `<built-in go pipeline>`.
  static func builtInName(_ template: PipelineTemplate) -> String { "<built-in \(template.name) pipeline>" }

  /// The error when there is no file and no project to choose a pipeline for.
  static var nothingDetected: Diagnostic {
    Diagnostic(
      at: nil,
      "no \(defaultFile) here, and no project to run a built-in pipeline for: looked for \(PipelineTemplate.allMarkers.joined(separator: ", "))",
      help: "write a pipeline (`pipeline init --template NAME` writes a commented one; templates: \(PipelineTemplate.names)), or name one: pipeline run path/to/pipeline.yaml")
  }

  /// What `run` and `validate` say when they use a built-in pipeline: which one, what it
  /// builds or starts (`entryPoint`, when the template looks for one), and how to change it.
  static func notice(for detection: ProjectDetection, entryPoint: EntryPoint? = nil) -> String {
    let template = detection.template
    var text =
      "no \(defaultFile) here: using the built-in \(template.name) pipeline (found \(detection.marker)): \(template.summary)\n"
    if case .found(let what) = entryPoint { text += "  entry point: \(what)\n" }
    text += "  help: `pipeline init` writes it to \(defaultFile), commented, to customise"
    if !detection.alsoFound.isEmpty {
      let others = detection.alsoFound.map { "\($0.marker) (\($0.template))" }.joined(separator: ", ")
      text += "; also found \(others): `pipeline init --template NAME` picks another"
    }
    return text
  }
}
