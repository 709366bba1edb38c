import Synchronization

/// Releases the startup code's pages (``StartupCodePages``) once, a moment after the first
/// watch is ready: by then the command line, the pipeline file, the registry and the first
/// walk of the tree are behind `pipeline`, and the startup batch is on its way or done.
///
/// A sink of `pipeline run`'s event bus, so that it acts on the events every run emits
/// rather than on a call each stage would have to make.
public final class StartupCodeRelease: EventSink {
  /// How long after the first `watch-ready` the pages are released: the startup batch's build
  /// and the filter's first fingerprints of the tree usually end in that time, and their code
  /// is released with the rest.
  public static let delay = Duration.seconds(2)

  private let isScheduled = Mutex(false)

  public init() {}

  public func emit(_ event: Event) {
    guard event.kind == .watchReady else { return }
    let wasScheduled = isScheduled.withLock { scheduled in
      defer { scheduled = true }
      return scheduled
    }
    guard !wasScheduled else { return }
    EngineExecutor.shared.schedule(after: Self.delay) { StartupCodePages.release() }
  }
}
