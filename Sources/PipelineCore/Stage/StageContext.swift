/// What a stage knows about the pipeline it runs in, and the ways it talks to the world.
public struct StageContext: Sendable {
  /// The stage's name in this pipeline (its `name:`, or its type name).
  public var name: String
  /// The stage's type name (`build`).
  public var typeName: String
  /// The pipeline's root: the absolute path of the folder that holds its YAML file.
  /// Changed paths are relative to it, and commands run in it.
  public var root: String
  /// The environment for commands: `pipeline`'s own, plus the pipeline's `env:`.
  public var environment: [String: String]
  /// Where events go: the console, the `--events` file and the cycle summary.
  public var events: EventSink
  /// Tells the engine when the stage holds work that is not visible in its input.
  public var work: WorkTracker
  /// The files the pipeline's own stages write: a stage that writes into the watched tree
  /// (a formatter, a sync, a generator) announces them here, so that the changes it causes
  /// do not start another cycle.
  public var ownWrites: OwnWrites
  /// How the last finished cycle went (whether it failed, and when).
  public var cycles: CycleHistory
  /// `nil` at a first start. When this pipeline replaces one that stopped because a file it
  /// was read from changed: the changes of those files that are the project's (a built-in
  /// pipeline's `package.json`; not a pipeline file), which the stopped pipeline never
  /// handled. They ride in ``startupBatch``.
  public var reloadChanges: [Change]?

  /// Whether this pipeline replaces one that stopped because its file changed. A source
  /// then emits its startup batch even when told not to (`initial: false`): the app was
  /// stopped for the reload, and changes made meanwhile were seen by nobody.
  public var isReload: Bool { reloadChanges != nil }

  /// The batch a source emits when the pipeline starts: ``Batch/startup``, with the
  /// ``reloadChanges`` after a reload (so that a `when: [package.json]` stage runs).
  public var startupBatch: Batch { Batch(reloadChanges ?? [], isStartup: true) }

  public init(
    name: String, typeName: String, root: String, environment: [String: String],
    events: EventSink, work: WorkTracker, ownWrites: OwnWrites? = nil, cycles: CycleHistory? = nil,
    reloadChanges: [Change]? = nil
  ) {
    self.reloadChanges = reloadChanges
    self.name = name
    self.typeName = typeName
    self.root = root
    self.environment = environment
    self.events = events
    self.work = work
    self.ownWrites = ownWrites ?? OwnWrites(root: root)
    self.cycles = cycles ?? CycleHistory()
  }

  /// Emits an event from this stage.
  public func emit(
    _ kind: Event.Kind, _ message: String? = nil, paths: [String] = [],
    metadata: [String: String] = [:]
  ) {
    events.emit(Event(kind: kind, stage: name, message: message, paths: paths, metadata: metadata))
  }

  /// Emits a line of a process's output, shown prefixed with the stage's name.
  public func output(_ line: String, channel: OutputChannel) {
    events.emit(Event(kind: .output, stage: name, message: line, metadata: ["stream": channel.rawValue]))
  }

  /// The path of `relative` under ``root`` (an absolute `relative` is returned as is).
  public func absolutePath(_ relative: String) -> String {
    PathText.join(root, relative)
  }
}
