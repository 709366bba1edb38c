/// A stage type as the registry knows it: its names, its documentation and how to make it.
public struct StageDescriptor: Sendable {
  public let typeName: String
  public let aliases: [String]
  public let role: StageRole
  public let summary: String
  public let example: String
  /// The keys its configuration reads, as `pipeline stages` lists them.
  public let options: [StageOptions.Description]
  /// Whether the engine runs it on its own thread (``Stage/prefersEngineThread``).
  public let prefersEngineThread: Bool
  /// What it does with the watched files (``Stage/fileAccess``).
  public let fileAccess: StageFileAccess

  let readConfiguration: @Sendable (StageOptions) throws -> any StageConfiguration
  let instantiate: @Sendable (any StageConfiguration, StageContext) throws -> StageRunner

  init<S: Stage>(_ type: S.Type) {
    typeName = S.typeName
    aliases = S.aliases
    role = S.role
    summary = S.summary
    example = S.example
    prefersEngineThread = S.prefersEngineThread
    fileAccess = S.fileAccess
    let describing = StageOptions(describing: S.typeName)
    _ = try? S.Configuration(options: describing)
    options = describing.describedKeys
    readConfiguration = { options in try S.Configuration(options: options) }
    instantiate = { configuration, context in
      // `readConfiguration` made it, so the cast cannot fail.
      let stage = try S(configuration: configuration as! S.Configuration, context: context)
      return StageRunner(run: stage.run)
    }
  }
}

/// A stage ready to run, with its type erased.
struct StageRunner: Sendable {
  let run: @Sendable (StageInput, StageOutput) async throws -> Void
}
