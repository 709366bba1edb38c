import PipelineCore

/// Spots files that a command of the pipeline itself seems to write into the watched tree: a
/// build whose output is neither excluded nor ignored runs the pipeline twice per save (and
/// without end when its output differs every time).
///
/// `pipeline` cannot tell a command's writes from a person's, so nothing is dropped; the filter
/// warns once instead. A path is suspected when it was written during two command runs that
/// went to their end, and was never seen written while the pipeline was idle. Two runs, not two
/// cycles: a file written near a run's end reaches the cycle before it closes, and then every
/// run is in one cycle that never ends.
/// - a person's save during a run stops that run (`on_busy: restart`, the default), so it does
///   not count; a build's output is written by a run that goes on to its end;
/// - a source file someone edits is saved while the pipeline is idle at least once;
/// - a file whose time has no fraction of a millisecond is left out: on a file system that
///   keeps coarse times, it cannot be placed in a run.
struct OwnOutputSuspicion {
  /// At most this many paths are remembered in each set, so a huge tree costs little.
  static let memoryLimit = 10_000

  /// A file that passed the filter: its path and modification time (nanoseconds since 1970).
  typealias File = (path: String, modified: Int)

  // Paths are remembered by ``FingerprintKey``, not by their text: a storm of 10,000 saves
  // otherwise kept 10,000 path strings alive after its batches were gone (0.5 MB), and an
  // array of cycles for each.

  /// Paths seen written while the pipeline was idle: never suspected.
  private var writtenWhileIdle: Set<FingerprintKey> = []
  /// The folders of ``writtenWhileIdle``'s paths.
  private var foldersWrittenWhileIdle: Set<FingerprintKey> = []
  /// For each path written during one finished run only: that run. Written during a second
  /// one, a path is suspected.
  private var runWritten: [FingerprintKey: Int] = [:]
  /// Files written while a run was still going on: decided at the next look.
  private var undecided: [File] = []
  /// Set once the warning was given: it is given once per run.
  private(set) var hasWarned = false

  /// What to warn about.
  struct Finding: Equatable {
    /// The suspected paths, sorted.
    var paths: [String]
    /// Whether a folder of theirs also holds files written while the pipeline was idle (your
    /// sources): then the files are to be excluded, not the folder.
    var sharesAFolderWithSources: Bool
  }

  /// Takes the created or modified files of a batch that passed the filter; returns what to
  /// warn about (once per run), or `nil`.
  ///
  /// - Parameter writer: What was going on when a file was written
  ///   (``CycleHistory/writer(of:)``).
  mutating func observe(_ files: [File], writer: (Int) -> CycleHistory.Writer) -> Finding? {
    guard !hasWarned else { return nil }
    let waiting = undecided
    undecided = []
    var suspects: [String] = []
    for file in waiting + files where file.modified % 1_000_000 != 0 {
      let key = FingerprintKey(file.path)
      switch writer(file.modified) {
      case .idle:
        runWritten[key] = nil
        if writtenWhileIdle.count < Self.memoryLimit, writtenWhileIdle.insert(key).inserted {
          foldersWrittenWhileIdle.insert(FingerprintKey(Self.folder(of: file.path)))
        }
      case .finishedRun(let run):
        guard !writtenWhileIdle.contains(key) else { continue }
        if let first = runWritten[key], first != run {
          if !suspects.contains(file.path) { suspects.append(file.path) }
        } else if runWritten.count < Self.memoryLimit {
          runWritten[key] = run
        }
      case .undecided:
        if undecided.count < 256 { undecided.append(file) }
      case .otherwise:
        break
      }
    }
    guard !suspects.isEmpty else { return nil }
    let finding = Finding(
      paths: suspects.sorted(),
      sharesAFolderWithSources: suspects.contains { foldersWrittenWhileIdle.contains(FingerprintKey(Self.folder(of: $0))) })
    hasWarned = true
    writtenWhileIdle = []
    foldersWrittenWhileIdle = []
    runWritten = [:]
    undecided = []
    return finding
  }

  /// The folder holding `path`; `""` at the root.
  private static func folder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "" }
    return String(path[..<slash])
  }

  /// The warning for a finding of ``observe(_:writer:)``.
  static func warning(for finding: Finding) -> String {
    let paths = finding.paths
    let shown = paths.prefix(3).joined(separator: ", ") + (paths.count > 3 ? " and \(paths.count - 3) more" : "")
    let folders = Set(paths.map(Self.folder(of:))).sorted()
    let remedy = folders.contains("") || finding.sharesAFolderWithSources
      ? "add exclude: [\(paths.prefix(3).map { "\"\($0)\"" }.joined(separator: ", "))] to the filter stage"
      : "add exclude_dirs: [\(folders.joined(separator: ", "))] to the filter stage"
    let it = paths.count == 1 ? "it" : "them"
    return "\(shown) changed during two runs of a command, never between runs, and started a new run each time: "
      + "if a command of the pipeline writes \(it), every save runs the pipeline twice "
      + "(and without end if the output differs each time). To stop that, \(remedy), or list \(it) in .gitignore"
  }
}
