import FoundationEssentials

/// Something that happened in a pipeline: a cycle started, a stage failed, a line of output.
///
/// One type for the whole graph. Each event is shown on the console (when it has something
/// to say to a person) and written as one JSON object per line to the `--events` file:
///
/// ```json
/// {"ts":"2026-11-21T10:00:00.123Z","stage":"build","event":"stage-failed","message":"…","status":"1"}
/// ```
public struct Event: Sendable {
  /// The kind of event. Open: a custom stage adds its own with `Event.Kind("lint-failed")`.
  public struct Kind: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
  }

  public var kind: Kind
  /// The stage it concerns, or `pipeline` for the pipeline as a whole.
  public var stage: String
  /// When it happened.
  public var time: Date
  /// A line for people, if the event has one.
  public var message: String?
  /// The paths it concerns (a batch's changed paths).
  public var paths: [String]
  /// More fields, written into the JSON object as they are.
  public var metadata: [String: String]

  public init(
    kind: Kind, stage: String, time: Date = Date(), message: String? = nil, paths: [String] = [],
    metadata: [String: String] = [:]
  ) {
    self.kind = kind
    self.stage = stage
    self.time = time
    self.message = message
    self.paths = paths
    self.metadata = metadata
  }
}

extension Event.Kind {
  /// The pipeline was loaded and its stages are starting. Metadata: `file`, `stages`.
  public static let pipelineStarted: Self = "pipeline-started"
  /// A stop was requested (signal, or a stage broke). Metadata: `reason`.
  public static let pipelineStopping: Self = "pipeline-stopping"
  /// Every stage has returned. Metadata: `status`.
  public static let pipelineStopped: Self = "pipeline-stopped"
  /// A source saw a change of a file the pipeline was read from (its YAML file; for a
  /// built-in pipeline, the project file). `paths`: those files. The change goes no further.
  public static let pipelineFileChanged: Self = "pipeline-file-changed"
  /// The pipeline's file changed and the new one is valid: the running pipeline stops, and
  /// the new one starts. Metadata: `file`.
  public static let pipelineReloading: Self = "pipeline-reloading"
  /// The line `rs` was typed into `pipeline`: every source sends a startup batch, and the
  /// pipeline runs again as at its start.
  public static let runRequested: Self = "run-requested"
  /// A source is ready: its watches are in place. Metadata: `watched`, `backend`.
  public static let watchReady: Self = "watch-ready"
  /// A source emitted a batch. `paths`: what changed.
  public static let changesDetected: Self = "changes"
  /// A batch reached the actions: a cycle begins. `paths`: what changed.
  public static let cycleStarted: Self = "cycle-started"
  /// New changes reached the actions while a cycle was open: they join it. `paths`: what
  /// changed (only what was not shown yet).
  public static let cycleJoined: Self = "cycle-joined"
  /// Nothing is in flight any more. Metadata: `stages` (name=duration;…), `result`.
  public static let cycleFinished: Self = "cycle-finished"
  /// An action started work on a batch. Metadata: `command`.
  public static let stageStarted: Self = "stage-started"
  /// An action finished successfully. Metadata: `duration` (seconds).
  public static let stageSucceeded: Self = "stage-succeeded"
  /// An action failed; the batch went no further. Metadata: `duration`, `status`.
  public static let stageFailed: Self = "stage-failed"
  /// An action's work was stopped because a newer batch arrived. Metadata: `duration`.
  public static let stageCancelled: Self = "stage-cancelled"
  /// A transform dropped a whole batch (nothing matched). `paths`: what was dropped.
  public static let batchDropped: Self = "batch-dropped"
  /// A line of a process's output. `message`: the line; metadata: `stream`.
  public static let output: Self = "output"
  /// The supervised app started. Metadata: `pid`, `command`.
  public static let appStarted: Self = "app-started"
  /// A started app passed its `ready` check. Metadata: `pid`, `since_start`, and
  /// `since_change` (seconds from the first change of the batch) when known.
  public static let appReady: Self = "app-ready"
  /// The built artifact did not change: the running app was kept, not restarted.
  /// Metadata: `pid`, `artifact`.
  public static let appKept: Self = "app-kept"
  /// The app is being stopped. Metadata: `pid`, `signal`.
  public static let appStopping: Self = "app-stopping"
  /// The app stopped because `pipeline` stopped it. Metadata: `pid`, `status`, `duration`.
  public static let appStopped: Self = "app-stopped"
  /// The app exited on its own. Metadata: `pid`, `status`, `ran` (seconds), and with
  /// `on_exit: restart` also `restart_in` (seconds) and `streak` (exits in a row).
  public static let appExited: Self = "app-exited"
  /// Something a person should know that is not an error.
  public static let warning: Self = "warning"
  /// A stage could not go on.
  public static let error: Self = "error"
}

/// Where events go.
public protocol EventSink: Sendable {
  func emit(_ event: Event)
}
