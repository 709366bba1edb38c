import PipelineCore

/// Says so when the pipeline file itself changes while `pipeline run` runs: the running
/// pipeline keeps what it read at start, and a user who edits a stage's `run:` and sees the old
/// command run would otherwise be left guessing.
///
/// A sink of `pipeline run`'s event bus: it reads the watch stage's `changes` events, whose
/// paths are relative to the pipeline's folder, where the file lies.
final class PipelineFileChangeNotice: EventSink {
  private let fileName: String
  private let displayName: String
  private let report: any EventSink

  /// - Parameters:
  ///   - fileName: The file's name in the pipeline's folder, as the watch stage reports it.
  ///   - displayName: The file as the user named it, for the message.
  ///   - report: Where the warning goes: the bus's other sinks (not the bus, which holds this sink).
  init(fileName: String, displayName: String, reportingTo report: any EventSink) {
    self.fileName = fileName
    self.displayName = displayName
    self.report = report
  }

  func emit(_ event: Event) {
    guard event.kind == .changesDetected, event.paths.contains(fileName) else { return }
    report.emit(
      Event(
        kind: .warning, stage: "pipeline",
        message: "\(displayName) changed: this run goes on with the pipeline it read at start; stop it (Ctrl-C) and run it again to use the new one",
        metadata: ["help": "pipeline validate \(displayName) checks the new file without running it"]))
  }
}
