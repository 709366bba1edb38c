import Synchronization

/// A thread-safe increasing number, for ids and signal counts.
public final class Counter: Sendable {
  private let value = Atomic<Int>(0)
  public init() {}
  /// The next number: 1, 2, 3…
  public func next() -> Int { value.add(1, ordering: .relaxed).newValue }
}

/// A flag set once from one task and read from others.
public final class AtomicFlag: Sendable {
  private let flag = Atomic<Bool>(false)
  public init() {}
  /// Sets the flag; it stays set until ``take()``.
  public func set() { flag.store(true, ordering: .relaxed) }
  /// Clears the flag and says whether it was set.
  public func take() -> Bool { flag.exchange(false, ordering: .relaxed) }
  /// Sets the flag; `true` for the one call that found it clear (something done once).
  public func claim() -> Bool { !flag.exchange(true, ordering: .relaxed) }
  /// Whether ``set()`` was called.
  public var isSet: Bool { flag.load(ordering: .relaxed) }
}
