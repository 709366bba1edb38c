/// Spots files that a command of the pipeline itself seems to write into the watched tree: a
/// build whose output is neither excluded nor ignored runs the pipeline twice per save (and
/// without end when its output differs every time).
///
/// `pipeline` cannot tell a command's writes from a person's, so nothing is dropped; the filter
/// warns once instead. A path is suspected when it changed while a cycle ran, twice, and was
/// never seen changed between cycles: a source file someone edits is saved while the pipeline is
/// idle at least once, a build's output never is.
struct OwnOutputSuspicion {
  /// How many times a path must change during a cycle before the warning.
  static let threshold = 2
  /// At most this many paths are remembered in each set, so a huge tree costs little.
  static let memoryLimit = 10_000

  /// Paths seen changed between cycles: never suspected.
  private var changedWhileIdle: Set<String> = []
  /// How many times each path changed while a cycle ran.
  private var changesDuringCycles: [String: Int] = [:]
  /// Set once the warning was given: it is given once per run.
  private(set) var hasWarned = false

  /// Takes the created or modified files of a batch that passed the filter, with their
  /// modification times; returns the paths to warn about (once per run), or an empty list.
  ///
  /// - Parameter isDuringACycle: Whether a modification time fell while a cycle ran
  ///   (``CycleHistory/isDuringACycle(_:)``).
  mutating func observe(_ files: [(path: String, modified: Int)], isDuringACycle: (Int) -> Bool) -> [String] {
    guard !hasWarned else { return [] }
    var suspects: [String] = []
    for file in files {
      if !isDuringACycle(file.modified) {
        changesDuringCycles[file.path] = nil
        if changedWhileIdle.count < Self.memoryLimit { changedWhileIdle.insert(file.path) }
        continue
      }
      guard !changedWhileIdle.contains(file.path) else { continue }
      let count = (changesDuringCycles[file.path] ?? 0) + 1
      guard count < Self.threshold else {
        suspects.append(file.path)
        continue
      }
      if changesDuringCycles.count < Self.memoryLimit { changesDuringCycles[file.path] = count }
    }
    guard !suspects.isEmpty else { return [] }
    hasWarned = true
    changedWhileIdle = []
    changesDuringCycles = [:]
    return suspects.sorted()
  }

  /// The warning for `paths` (from ``observe(_:isDuringACycle:)``).
  static func warning(for paths: [String]) -> String {
    let shown = paths.prefix(3).joined(separator: ", ") + (paths.count > 3 ? " and \(paths.count - 3) more" : "")
    let folders = Set(paths.map { path -> String in
      guard let slash = path.lastIndex(of: "/") else { return path }
      return String(path[..<slash])
    }).sorted()
    let remedy = paths.allSatisfy({ $0.contains("/") })
      ? "add exclude_dirs: [\(folders.joined(separator: ", "))] to the filter stage"
      : "add exclude: [\(paths.prefix(3).map { "\"\($0)\"" }.joined(separator: ", "))] to the filter stage"
    return "\(shown) changed while the pipeline ran, twice, and started the next cycle each time: "
      + "if a command of the pipeline writes \(paths.count == 1 ? "it" : "them"), every save runs the pipeline twice "
      + "(and without end if the output differs each time). To stop that, \(remedy), or list "
      + "\(paths.count == 1 ? "it" : "them") in .gitignore"
  }
}
