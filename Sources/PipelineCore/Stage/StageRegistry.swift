/// The stage types a pipeline file may name in `stage:`.
///
/// Built-in stages register themselves through the same ``register(_:)`` a user's custom
/// stage uses:
///
/// ```swift
/// var registry = StageRegistry.builtIn
/// try registry.register(LintStage.self)
/// ```
public struct StageRegistry: Sendable {
  private var byName: [String: StageDescriptor] = [:]

  public init() {}

  /// Adds a stage type under its ``Stage/typeName`` and its aliases.
  ///
  /// - Throws: a ``Diagnostic`` when one of the names is taken by another type.
  public mutating func register<S: Stage>(_ type: S.Type) throws {
    let descriptor = StageDescriptor(type)
    let names = [descriptor.typeName] + descriptor.aliases
    // Check every name before adding any, so a failed registration changes nothing.
    for name in names {
      if let existing = byName[name] {
        throw Diagnostic(
          at: nil, "stage name '\(name)' is registered twice (by '\(existing.typeName)' and '\(descriptor.typeName)')",
          help: "give one of the stage types another `typeName`")
      }
    }
    for name in names { byName[name] = descriptor }
  }

  /// The stage type registered under `name` (its type name or an alias).
  public func descriptor(named name: String) -> StageDescriptor? { byName[name] }

  /// Every registered type once, sorted by name.
  public var descriptors: [StageDescriptor] {
    byName.filter { $0.key == $0.value.typeName }.values.sorted { $0.typeName < $1.typeName }
  }

  /// Every type name, sorted (aliases left out).
  public var typeNames: [String] { descriptors.map(\.typeName) }
}
