/// A step of a pipeline: a source of batches, a transform of them, or an action on them.
///
/// The engine runs every stage concurrently and connects them with streams:
///
/// ```
///   watch ──▶ debounce ──▶ filter ──▶ build ──▶ test ──▶ restart
///  (source)  (transform)  (transform) (action)  (action)  (action)
///                              │
///                              └────▶ gofmt (a second branch: `after: [filter]`)
/// ```
///
/// A stage reads batches from its ``StageInput`` and sends the ones that should go on to its
/// ``StageOutput``; an action that fails simply does not send, so nothing downstream runs
/// and the running app is left alone.
///
/// ```swift
/// struct LintStage: Stage {
///   struct Configuration: StageConfiguration {
///     var strict: Bool
///     init(options: StageOptions) throws {
///       strict = try options.value("strict", default: false, help: "Fail on warnings.")
///     }
///   }
///   static let summary = "Runs the linter on changed files."
///   init(configuration: Configuration, context: StageContext) throws { … }
///   func run(input: StageInput, output: StageOutput) async throws {
///     for await batch in input { if await lint(batch) { output.send(batch) } }
///   }
/// }
/// ```
///
/// - Important: `run` must return when `input` ends: that is how shutdown arrives. A stage
///   that started processes stops them before returning. A failed build or test is reported
///   as an ``Event``; throw only when the stage itself cannot go on (the pipeline stops).
public protocol Stage: Sendable {
  /// The stage's typed options.
  associatedtype Configuration: StageConfiguration

  /// The name a pipeline file uses in `stage:`. Defaults to the type name without its
  /// `Stage` suffix, in snake case: `DebounceStage` → `debounce`.
  static var typeName: String { get }
  /// Former names that still select this stage type.
  static var aliases: [String] { get }
  /// Whether it is a source, a transform or an action.
  static var role: StageRole { get }
  /// One line for `pipeline stages`.
  static var summary: String { get }
  /// A YAML snippet that uses the stage, for `pipeline stages`.
  static var example: String { get }
  /// Whether `run` runs on the engine's own thread (``EngineExecutor``) rather than on
  /// Swift's global pool. Hand-offs between stages on that thread wake no other thread,
  /// which shortens the way from a save to the restart; in exchange the stage must never
  /// block (no `sleep`, no waiting read, no long computation without a suspension point), or
  /// every other stage there waits with it. Default `false`.
  static var prefersEngineThread: Bool { get }
  /// What it does with the files of the watched tree, for the advice of `pipeline validate`
  /// and `pipeline run` on how stages are ordered. Default ``StageFileAccess/other``.
  static var fileAccess: StageFileAccess { get }

  /// Creates the stage for one pipeline. Throw a ``Diagnostic`` for a configuration that
  /// reads well but cannot work (a folder that does not exist).
  init(configuration: Configuration, context: StageContext) throws

  /// Processes batches until `input` ends.
  func run(input: StageInput, output: StageOutput) async throws
}

/// What a stage does with the files of the watched tree, as far as the order of stages matters.
public enum StageFileAccess: Sendable, Hashable {
  /// Rewrites them in place (a formatter): its writes are the pipeline's own and start no
  /// cycle, so a stage that copies files must come after it.
  case rewrites
  /// Copies their content elsewhere (a sync into a container).
  case copies
  /// Anything else.
  case other
}

/// What a stage does in the graph.
public enum StageRole: String, Sendable, Hashable, CaseIterable {
  /// Emits batches on its own (a file watcher, a timer); it takes no input.
  case source
  /// Filters or rewrites batches.
  case transform
  /// Does work for a batch (build, test, restart) and passes it on on success.
  case action
}

extension Stage {
  public static var typeName: String { StageNaming.typeName(for: Self.self) }
  public static var aliases: [String] { [] }
  public static var example: String { "- stage: \(typeName)" }
  public static var prefersEngineThread: Bool { false }
  public static var fileAccess: StageFileAccess { .other }
}

/// A stage's typed configuration, read through ``StageOptions``.
public protocol StageConfiguration: Sendable {
  /// Reads every key the stage accepts. Keys never asked for are reported as unknown.
  init(options: StageOptions) throws

  /// For a source that watches the tree: the folders it watches, relative to the pipeline's
  /// folder (or absolute). `nil`, the default, when it cannot say: then nothing is checked
  /// against it.
  var watchedFolders: [String]? { get }
  /// The folders whose changes the stage acts on, as configured: `sync`'s `from`. `pipeline
  /// validate` and `pipeline run` warn when no source before the stage watches any part of one
  /// of them (see `Documentation/Errors.md`). Default: none.
  var folderInputs: [ConfiguredFolder] { get }
  /// The folders the stage needs to exist when it acts: a command's `workdir`, `sync`'s
  /// `from`. `pipeline validate` and `pipeline run` warn about one that is not a folder when
  /// the pipeline loads (a build may still make it later). Default: ``folderInputs``.
  var expectedFolders: [ConfiguredFolder] { get }
}

extension StageConfiguration {
  public var watchedFolders: [String]? { nil }
  public var folderInputs: [ConfiguredFolder] { [] }
  public var expectedFolders: [ConfiguredFolder] { folderInputs }
}

/// A folder a stage's configuration names, and where the pipeline file names it.
public struct ConfiguredFolder: Sendable, Hashable {
  /// The key that names it, like `from`.
  public var key: String
  /// As written: relative to the pipeline's folder, or absolute.
  public var path: String
  /// Where it is written, for the messages about it.
  public var location: SourceLocation?
  /// What the stage cannot do while the folder is missing, for the warning about it:
  /// `the command cannot start until it is made`.
  public var whenMissing: String

  public init(
    key: String, path: String, location: SourceLocation?,
    whenMissing: String = "the stage finds nothing there until it is made"
  ) {
    self.key = key
    self.path = path
    self.location = location
    self.whenMissing = whenMissing
  }
}

/// The configuration of a stage that takes no keys.
public struct NoConfiguration: StageConfiguration {
  public init(options: StageOptions) throws {}
  public init() {}
}

enum StageNaming {
  /// `DebounceStage` → `debounce`, `HTTPCheckStage` → `http_check`.
  static func typeName(for type: Any.Type) -> String {
    var name = String(describing: type)
    if let generic = name.firstIndex(of: "<") { name = String(name[..<generic]) }
    if name.hasSuffix("Stage"), name.count > 5 { name.removeLast(5) }
    var result = ""
    let characters = Array(name)
    for (index, character) in characters.enumerated() {
      if character.isUppercase, index > 0 {
        let previousIsLower = characters[index - 1].isLowercase || characters[index - 1].isNumber
        let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase
        if previousIsLower || (characters[index - 1].isUppercase && nextIsLower) { result += "_" }
      }
      result += character.lowercased()
    }
    return result
  }
}
