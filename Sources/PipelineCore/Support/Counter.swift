import Synchronization

/// A thread-safe increasing number, for ids and signal counts.
package final class Counter: Sendable {
  private let value = Atomic<Int>(0)
  package init() {}
  /// The next number: 1, 2, 3…
  package func next() -> Int { value.add(1, ordering: .relaxed).newValue }
}

/// A flag set once from one task and read from others.
package final class AtomicFlag: Sendable {
  private let flag = Atomic<Bool>(false)
  package init() {}
  package func set() { flag.store(true, ordering: .relaxed) }
  package var isSet: Bool { flag.load(ordering: .relaxed) }
}
