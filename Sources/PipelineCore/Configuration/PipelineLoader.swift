import Glibc

/// Reads a pipeline file and checks everything that can be checked before anything runs:
/// YAML syntax, top-level keys, stage types, every stage's keys and value types, and the
/// graph (unknown inputs, duplicate names, cycles). Every problem found is reported, each
/// as `FILE:LINE:COL: error: …` with a hint.
public struct PipelineLoader: Sendable {
  /// The keys of a pipeline file's top level.
  public static let topLevelKeys = ["version", "name", "env", "stages"]
  /// Whether a top-level key is the user's own and ignored: one starting with `x-`
  /// (docker-compose's convention), to hold YAML anchors for the stages to merge.
  ///
  /// ```yaml
  /// x-app: &app {signal: SIGINT, kill_after: 5s}
  /// stages:
  ///   - stage: restart
  ///     <<: *app
  /// ```
  public static func isExtensionKey(_ key: String) -> Bool { key.hasPrefix("x-") }

  /// The keys every stage accepts, whatever its type.
  public static let commonStageKeys = ["stage", "name", "after"]

  public let registry: StageRegistry

  public init(registry: StageRegistry) { self.registry = registry }

  /// What to name instead of the folder `path`: its pipeline file, when it has one.
  private static func folderHelp(_ path: String, absolute: String) -> String {
    let inside = PathText.join(path, "pipeline.yaml")
    var info = stat()
    if stat(PathText.join(absolute, "pipeline.yaml"), &info) == 0 { return "name the file in it: \(inside)" }
    return "name a pipeline file; `pipeline init`, run in that folder, writes one for its project"
  }

  /// Loads the file at `path` (relative to the current folder, or absolute).
  public func load(file path: String) throws(DiagnosticList) -> PipelineDefinition {
    let absolute = PathText.join(Self.currentDirectory(), path)
    var info = stat()
    guard stat(absolute, &info) == 0 else {
      throw DiagnosticList([
        Diagnostic(
          at: nil, "no pipeline file at \(path)",
          help: "check the path; `pipeline init` writes a commented pipeline.yaml for the project in the current folder")
      ])
    }
    guard info.st_mode & S_IFMT != S_IFDIR else {
      throw DiagnosticList([
        Diagnostic(at: nil, "\(path) is a folder, not a pipeline file", help: Self.folderHelp(path, absolute: absolute))
      ])
    }
    guard case .success(let data) = FileBytes.read(contentsOf: absolute) else {
      throw DiagnosticList([Diagnostic(at: nil, "cannot read \(path)", help: "check its permissions")])
    }
    let root = String(PathText.normalize(absolute).split(separator: "/").dropLast().joined(separator: "/"))
    let text: String
    do throws(Diagnostic) {
      text = try PipelineFileText.decode(data, file: path)
    } catch {
      throw DiagnosticList([error])
    }
    return try load(text: text, file: path, root: "/" + root)
  }

  /// The current folder (`/` when it cannot be named, as when it was deleted).
  static func currentDirectory() -> String {
    guard let path = getcwd(nil, 0) else { return "/" }
    defer { free(path) }
    return String(cString: path)
  }

  /// Loads pipeline text; `file` names it in messages and `root` is the folder paths
  /// resolve against.
  public func load(text: String, file: String, root: String) throws(DiagnosticList) -> PipelineDefinition {
    var problems: [Diagnostic] = []
    let document: ConfigNode
    do throws(Diagnostic) {
      guard let parsed = try YAMLNodeConverter.parse(text, file: file) else {
        throw Diagnostic(
          at: SourceLocation(file: file, line: 1, column: 1), "the pipeline file is empty",
          help: "a pipeline needs `stages:`, a list of stages; see Documentation/Configuration.md")
      }
      document = parsed
    } catch {
      throw DiagnosticList([error])
    }
    guard case .mapping(let entries) = document.value else {
      throw DiagnosticList([
        Diagnostic(
          at: document.location, "a pipeline file must be a mapping with `stages:`, got \(document.kindDescription)",
          help: "start with `stages:` followed by a list of `- stage: …` entries")
      ])
    }

    for entry in entries where !Self.topLevelKeys.contains(entry.key) && !Self.isExtensionKey(entry.key) {
      problems.append(
        Diagnostic(
          at: entry.keyLocation, "unknown key '\(entry.key)' at the top level",
          help: Suggestions.hint(for: entry.key, known: Self.topLevelKeys)
            + "; a key of your own, to hold YAML anchors, must start with x- (x-\(entry.key))"))
    }
    if let version = document["version"] {
      if case .scalar(let text, _) = version.value.value, text == "1" {
      } else {
        problems.append(
          Diagnostic(
            at: version.value.location, "unsupported pipeline version \(version.value.kindDescription)",
            help: "this pipeline understands version 1 only; write `version: 1` or leave it out"))
      }
    }
    var name: String?
    var environment: [String: String] = [:]
    do throws(Diagnostic) {
      if let entry = document["name"] { name = try String(option: entry.value) }
    } catch {
      problems.append(error)
    }
    do throws(Diagnostic) {
      if let entry = document["env"] { environment = try [String: String](option: entry.value) }
    } catch {
      problems.append(error)
    }

    var stages: [StageDefinition] = []
    if let stagesEntry = document["stages"] {
      switch stagesEntry.value.value {
      case .sequence(let items) where !items.isEmpty:
        stages = readStages(items, problems: &problems)
      case .sequence, .null:
        problems.append(
          Diagnostic(
            at: stagesEntry.value.location, "the pipeline has no stages",
            help: "add at least a source and an action, like `- stage: watch` and `- stage: restart`"))
      default:
        problems.append(
          Diagnostic(
            at: stagesEntry.value.location, "'stages' must be a list, got \(stagesEntry.value.kindDescription)",
            help: "write each stage as a list item: `- stage: watch`"))
      }
    } else {
      problems.append(
        Diagnostic(
          at: document.location, "the pipeline has no 'stages' key",
          help: "add `stages:` with a list of stages, like `- stage: watch`"))
    }

    if problems.isEmpty { problems += PipelineGraph.validate(stages) }
    let definition = PipelineDefinition(file: file, root: root, name: name, environment: environment, stages: stages)
    guard problems.isEmpty else {
      // What making the stages that did read finds (a watch folder that is not there) is said
      // now, beside the rest, rather than once the rest is fixed.
      throw DiagnosticList(DiagnosticList.inSourceOrder(problems + definition.stageProblems()))
    }
    return definition
  }

  private func readStages(_ items: [ConfigNode], problems: inout [Diagnostic]) -> [StageDefinition] {
    var stages: [StageDefinition] = []
    var previousName: String?
    for item in items {
      guard case .mapping(let entries) = item.value else {
        problems.append(
          Diagnostic(
            at: item.location, "a stage must be a mapping with a 'stage' key, got \(item.kindDescription)",
            help: "write it as `- stage: build` with its keys indented below"))
        continue
      }
      guard let typeEntry = item["stage"] else {
        problems.append(
          Diagnostic(
            at: item.location, "this stage has no 'stage' key",
            help: "say which stage type it is: `- stage: build`. Known: \(registry.typeNames.joined(separator: ", "))"))
        continue
      }
      guard case .scalar(let typeName, _) = typeEntry.value.value else {
        problems.append(
          Diagnostic(
            at: typeEntry.value.location, "'stage' must be a stage type name, got \(typeEntry.value.kindDescription)",
            help: "write the stage's type: `- stage: build`. Known: \(registry.typeNames.joined(separator: ", "))"))
        continue
      }
      guard let descriptor = registry.descriptor(named: typeName) else {
        problems.append(
          Diagnostic(
            at: typeEntry.value.location, "unknown stage '\(typeName)'",
            help: Suggestions.hint(for: typeName, known: registry.typeNames)
              + (Suggestions.nearest(to: typeName, in: registry.typeNames) == nil
                ? ". A custom stage is known only to the runner built with it (`swift run NAME-pipeline validate`)" : "")))
        continue
      }

      var stageName = descriptor.typeName
      var inputs: [String]?
      var inputLocations: [SourceLocation] = []
      do throws(Diagnostic) {
        if let nameEntry = item["name"] {
          if case .null = nameEntry.value.value {
            throw Diagnostic(
              at: nameEntry.value.location, "expected a string, got nothing",
              help: "write a name, like `name: api`, or leave `name:` out to name the stage '\(descriptor.typeName)'")
          }
          stageName = try String(option: nameEntry.value)
          let allowed = stageName.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
          }
          if stageName.isEmpty || !allowed || stageName == "pipeline" {
            throw Diagnostic(
              at: nameEntry.value.location, "stage name '\(stageName)' is not a valid name",
              help: stageName == "pipeline"
                ? "'pipeline' names the pipeline itself in output and events; choose another name"
                : "use letters, digits, '-' or '_'")
          }
        }
      } catch {
        problems.append(error)
      }
      do throws(Diagnostic) {
        if let afterEntry = item["after"] {
          inputs = try [String](option: afterEntry.value)
          if case .sequence(let items) = afterEntry.value.value {
            inputLocations = items.map(\.location)
          } else {
            inputLocations = (inputs ?? []).map { _ in afterEntry.value.location }
          }
        }
      } catch {
        problems.append(error)
      }

      let options = StageOptions(
        stageName: stageName,
        entries: entries.filter { !Self.commonStageKeys.contains($0.key) },
        location: typeEntry.keyLocation, collectsProblems: true)
      var configuration: (any StageConfiguration)?
      var thrown: [Diagnostic] = []
      do {
        configuration = try descriptor.readConfiguration(options)
      } catch let diagnostic as Diagnostic {
        thrown.append(diagnostic)
      } catch let list as DiagnosticList {
        thrown += list.diagnostics
      } catch {
        thrown.append(Diagnostic(at: typeEntry.keyLocation, "stage '\(stageName)': \(error)"))
      }
      // A bad value was recorded and reading went on with its default: a check made later
      // at the same place would only repeat it.
      let recordedPlaces = Set(options.problems.compactMap(\.location))
      problems += options.problems
      problems += thrown.filter { $0.location.map { !recordedPlaces.contains($0) } ?? true }
      let readEveryKey = configuration != nil
      if !options.problems.isEmpty { configuration = nil }
      let knownKeys = Self.commonStageKeys + descriptor.options.map(\.key)
      // After a thrown error the configuration stopped reading: only truly unknown keys are news.
      for entry in options.unreadEntries where readEveryKey || !knownKeys.contains(entry.key) {
        problems.append(
          Diagnostic(
            at: entry.keyLocation, "unknown key '\(entry.key)' for stage '\(descriptor.typeName)'",
            help: Suggestions.hint(for: entry.key, known: knownKeys)))
      }

      let defaultInputs = descriptor.role == .source ? [] : previousName.map { [$0] } ?? []
      if let configuration {
        stages.append(
          StageDefinition(
            name: stageName, descriptor: descriptor, inputs: inputs ?? defaultInputs,
            location: typeEntry.keyLocation, nameLocation: item["name"]?.value.location,
            configuration: configuration, inputLocations: inputLocations,
            warnings: options.warnings))
      }
      previousName = stageName
    }
    return stages
  }
}
