/// A pipeline file, read and checked: everything the engine needs, and nothing that is not
/// `Sendable`.
public struct PipelineDefinition: Sendable {
  /// The file as the user named it (used in messages).
  public var file: String
  /// The absolute path of the folder that holds the file: the pipeline's root.
  public var root: String
  /// `name:`, if given.
  public var name: String?
  /// `env:`: added to every command's environment.
  public var environment: [String: String]
  /// The stages in the order the file lists them.
  public var stages: [StageDefinition]

  /// Warnings about a pipeline that loads but may not do what its author means (see
  /// `Documentation/Errors.md`); `pipeline validate` and `pipeline run` print them.
  public func advice() -> [Diagnostic] { PipelineAdvice(stages: stages, root: root).warnings }

  /// The stages in order, `watch → debounce → build`, with the inputs of a stage that does not
  /// simply follow the one listed before it: `gofmt (after filter)`.
  public var flowDescription: String {
    stages.enumerated().map { index, stage in
      let previous = index > 0 ? stages[index - 1].name : nil
      let follows = stage.inputs.isEmpty || (stage.inputs.count == 1 && stage.inputs[0] == previous)
      return follows ? stage.name : "\(stage.name) (after \(stage.inputs.joined(separator: ", ")))"
    }.joined(separator: " → ")
  }

  /// The stages that take their input from `stage` (by name).
  public func consumers(of stage: String) -> [StageDefinition] {
    stages.filter { $0.inputs.contains(stage) }
  }
}

/// One stage of a pipeline file.
public struct StageDefinition: Sendable {
  /// Its unique name: `name:`, or the type name.
  public var name: String
  /// Its `stage:` value, resolved to the registered type.
  public var descriptor: StageDescriptor
  /// The names of the stages it reads from (`after:`, or the stage listed before it).
  public var inputs: [String]
  /// Where its entry starts in the file.
  public var location: SourceLocation
  /// Where its `name:` value is written, when it is.
  public var nameLocation: SourceLocation?
  /// Its typed configuration.
  public var configuration: any StageConfiguration
  /// Where each name of `after:` is written, in the order of `inputs` (empty when the stage
  /// has no `after:`), so a wrong input is reported where it is written.
  public var inputLocations: [SourceLocation] = []
  /// Warnings about its values (``StageOptions/warnings``), shown by ``PipelineDefinition/advice()``.
  public var warnings: [Diagnostic] = []

  /// Where input `index` is written, or the stage's place when `after:` is not written.
  func location(ofInput index: Int) -> SourceLocation {
    index < inputLocations.count ? inputLocations[index] : location
  }
}
