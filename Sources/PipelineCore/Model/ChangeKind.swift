/// What happened to a path.
public enum ChangeKind: String, Sendable, Hashable, Codable, CaseIterable {
  /// The path did not exist before and exists now.
  case created
  /// The path's content or metadata changed.
  case modified
  /// The path existed before and is gone now.
  case removed
  /// The path was moved here from `Change.previousPath`.
  case renamed

  /// The kind that describes `self` followed by `next` on the same path.
  ///
  /// A batch keeps one kind per path, so two successive changes fold into one:
  /// created then removed is removed (nothing for a build to see but a gone file),
  /// removed then created is modified (the file is back with new content), and
  /// created then modified stays created.
  public func followed(by next: ChangeKind) -> ChangeKind {
    switch (self, next) {
    case (.removed, .created), (.removed, .modified), (.removed, .renamed): return .modified
    case (.created, .modified): return .created
    case (_, .removed): return .removed
    default: return next
    }
  }
}
