/// One changed path in a ``Batch``.
public struct Change: Sendable, Hashable, Codable, CustomStringConvertible {
  /// The path, relative to the pipeline's root folder (the folder of its YAML file),
  /// with `/` separators and no leading `./`. A path outside the root starts with `../`.
  public var path: String
  /// What happened to it.
  public var kind: ChangeKind
  /// For ``ChangeKind/renamed``: where the file was before, when that is known.
  public var previousPath: String?
  /// Whether the path's first change in its batch was its creation, as a source saw it
  /// happen: inotify's `IN_CREATE`, an entry a scan found new. Then the path did not exist
  /// when the batch began. Never set for a file renamed into place, which may have replaced
  /// one. A batch keeps the first change's mark when later ones fold in. Not part of
  /// equality, nor of any JSON form.
  public var appearedInBatch: Bool

  public init(path: String, kind: ChangeKind, previousPath: String? = nil, appearedInBatch: Bool = false) {
    self.path = path
    self.kind = kind
    self.previousPath = previousPath
    self.appearedInBatch = appearedInBatch
  }

  /// A path made and removed again within its batch (a temporary file: `sed -i`'s, an atomic
  /// save's under a name no editor rule knows, a tool's scratch file): it exists neither
  /// before the batch nor after, so nothing changed.
  public var isTransient: Bool { appearedInBatch && kind == .removed }

  public var description: String { "\(path) (\(kind.rawValue))" }

  private enum CodingKeys: String, CodingKey {
    case path, kind, previousPath
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      path: try container.decode(String.self, forKey: .path), kind: try container.decode(ChangeKind.self, forKey: .kind),
      previousPath: try container.decodeIfPresent(String.self, forKey: .previousPath))
  }

  public static func == (lhs: Change, rhs: Change) -> Bool {
    lhs.path == rhs.path && lhs.kind == rhs.kind && lhs.previousPath == rhs.previousPath
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(path)
    hasher.combine(kind)
    hasher.combine(previousPath)
  }
}
