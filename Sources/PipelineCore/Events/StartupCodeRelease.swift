import Synchronization

/// Releases the startup code's pages (``StartupCodePages``) once, a moment after the first
/// watch is ready: by then the command line, the pipeline file, the registry and the first
/// walk of the tree are behind `pipeline`, and the startup batch is on its way or done.
///
/// A sink of `pipeline run`'s event bus, so that it acts on the events every run emits
/// rather than on a call each stage would have to make. When done, it reports a
/// `startup-code-released` event to the sink it was given, so that a reader of the events
/// file knows the moment (a test that watches an idle pipeline waits for it).
public final class StartupCodeRelease: EventSink {
  /// How long after the first `watch-ready` the pages are released: the startup batch's build
  /// and the filter's first fingerprints of the tree usually end in that time, and their code
  /// is released with the rest.
  public static let delay = Duration.seconds(2)

  private let isScheduled = Mutex(false)
  private let report: any EventSink

  /// - Parameter report: where the `startup-code-released` event goes: the bus's other
  ///   sinks (not the bus itself, which holds this sink).
  public init(reportingTo report: any EventSink) {
    self.report = report
  }

  public func emit(_ event: Event) {
    guard event.kind == .watchReady else { return }
    let wasScheduled = isScheduled.withLock { scheduled in
      defer { scheduled = true }
      return scheduled
    }
    guard !wasScheduled else { return }
    let report = self.report
    EngineExecutor.shared.schedule(after: Self.delay) {
      let bytes = StartupCodePages.release()
      report.emit(Event(kind: .startupCodeReleased, stage: "pipeline", message: "", metadata: ["bytes": String(bytes)]))
    }
  }
}

extension Event.Kind {
  /// The executable's startup code was handed back to the system (no message, never shown).
  /// Metadata: `bytes`, the size of the mappings released.
  public static let startupCodeReleased: Self = "startup-code-released"
}
