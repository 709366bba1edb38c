/// One changed path in a ``Batch``.
public struct Change: Sendable, Hashable, Codable, CustomStringConvertible {
  /// The path, relative to the pipeline's root folder (the folder of its YAML file),
  /// with `/` separators and no leading `./`. A path outside the root starts with `../`.
  public var path: String
  /// What happened to it.
  public var kind: ChangeKind
  /// For ``ChangeKind/renamed``: where the file was before, when that is known.
  public var previousPath: String?

  public init(path: String, kind: ChangeKind, previousPath: String? = nil) {
    self.path = path
    self.kind = kind
    self.previousPath = previousPath
  }

  public var description: String { "\(path) (\(kind.rawValue))" }
}
