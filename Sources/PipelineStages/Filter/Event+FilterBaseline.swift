import PipelineCore

extension Event.Kind {
  /// The filter finished fingerprinting the tree after a startup or rescan batch. It has no
  /// message (nothing is shown); metadata: `files` (how many were fingerprinted), `ending`
  /// (`complete`, `file-limit`, `time-budget` or `cancelled`), `duration` (seconds).
  static let filterBaseline: Self = "filter-baseline"
}
