/// Hands every event to each of several sinks, in order.
public struct EventBus: EventSink {
  public var sinks: [any EventSink]

  public init(_ sinks: [any EventSink]) { self.sinks = sinks }

  public func emit(_ event: Event) {
    for sink in sinks { sink.emit(event) }
  }
}

/// A sink that calls a closure; handy in tests and for small adapters.
public struct ClosureEventSink: EventSink {
  let body: @Sendable (Event) -> Void
  public init(_ body: @escaping @Sendable (Event) -> Void) { self.body = body }
  public func emit(_ event: Event) { body(event) }
}
