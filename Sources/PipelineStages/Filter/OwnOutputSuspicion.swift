import PipelineCore

/// Spots files that a command of the pipeline itself seems to write into the watched tree: a
/// build whose output is neither excluded nor ignored runs the pipeline twice per save, and
/// without end when its output differs every time; a build that writes such a file soon after
/// it starts is stopped by its own write (`on_busy: restart`) and never finishes.
///
/// `pipeline` cannot tell a command's writes from a person's. It goes in two steps:
///
/// 1. **Suspected** (a warning, once; nothing is dropped): a path written during two command
///    runs that went to their end, and never seen written while the pipeline was idle. Two
///    runs, not two cycles: a file written near a run's end reaches the cycle before it
///    closes, and then every run is in one cycle that never ends.
///    - a person's save during a run stops that run (`on_busy: restart`, the default), so it
///      does not count; a build's output is written by a run that goes on to its end;
///    - a source file someone edits is saved while the pipeline is idle at least once.
/// 2. **Recognised** (a warning per path; from then on the filter drops the path's changes
///    made while a command runs, ``isRecognised(_:)``): a path written during three runs,
///    finished or stopped, never while the pipeline was idle, each time at the same moment of
///    the run — as long after its start, or as long before its end, within
///    ``recognitionTolerance``. A program writes at the same point of its work each time; a
///    person's saves fall anywhere in a run. This is what ends the loops above.
///
/// A file whose time has no fraction of a millisecond is left out: on a file system that keeps
/// coarse times, it cannot be placed in a run.
struct OwnOutputSuspicion {
  /// At most this many paths are remembered in each set, so a huge tree costs little.
  static let memoryLimit = 10_000
  /// In how many runs a path must be written at the same moment to be recognised.
  static let runsToRecognise = 3
  /// How far apart the moments of a path's writes in its runs may be, in nanoseconds: the
  /// runs of one command take the same time within this, on a quiet machine or a busy one.
  static let recognitionTolerance = 100_000_000

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
  /// For each path written during runs and never while idle: when, in its last runs.
  private var sightings: [FingerprintKey: [Sighting]] = [:]
  /// The paths recognised as written by a command.
  private var recognised: Set<FingerprintKey> = []

  /// A write of a path during a run: how long after the run's start, and how long before its
  /// end when it finished (a stopped run's end is the stop, which the write itself may cause).
  private struct Sighting {
    var run: Int
    var afterStart: Int
    var beforeEnd: Int?
  }

  /// What to warn about.
  struct Finding: Equatable {
    /// The suspected or recognised paths, sorted.
    var paths: [String]
    /// Whether a folder of theirs also holds files written while the pipeline was idle (your
    /// sources): then the files are to be excluded, not the folder.
    var sharesAFolderWithSources: Bool
    /// Recognised (step 2), not only suspected: how long after its runs' start the paths were
    /// written, or before their end, in nanoseconds.
    var recognisedAt: Moment?

    init(paths: [String], sharesAFolderWithSources: Bool, recognisedAt: Moment? = nil) {
      self.paths = paths
      self.sharesAFolderWithSources = sharesAFolderWithSources
      self.recognisedAt = recognisedAt
    }
  }

  /// When in its runs a recognised path was written.
  enum Moment: Equatable {
    case afterStart(Int)
    case beforeEnd(Int)
  }

  /// Whether any path was recognised as written by a command (step 2).
  var hasRecognised: Bool { !recognised.isEmpty }

  /// Whether `path` was recognised as written by a command (step 2).
  func isRecognised(_ path: String) -> Bool {
    hasRecognised && recognised.contains(FingerprintKey(path))
  }

  /// Takes the created or modified files of a batch that passed the filter; returns what to
  /// warn about: a suspicion (once per run), then any paths recognised.
  ///
  /// - Parameter writer: What was going on when a file was written
  ///   (``CycleHistory/writer(of:)``).
  mutating func observe(_ files: [File], writer: (Int) -> CycleHistory.Writer) -> [Finding] {
    let waiting = undecided
    undecided = []
    var suspects: [String] = []
    var recognitions: [(path: String, moment: Moment)] = []
    for file in waiting + files where file.modified % 1_000_000 != 0 {
      let key = FingerprintKey(file.path)
      switch writer(file.modified) {
      case .idle:
        runWritten[key] = nil
        sightings[key] = nil
        if writtenWhileIdle.count < Self.memoryLimit, writtenWhileIdle.insert(key).inserted {
          foldersWrittenWhileIdle.insert(FingerprintKey(Self.folder(of: file.path)))
        }
      case .finishedRun(let run):
        guard !writtenWhileIdle.contains(key) else { continue }
        if !hasWarned { suspect(key, path: file.path, writtenIn: run.number, adding: &suspects) }
        if let moment = sight(key, at: file.modified, in: run, finished: true) {
          recognitions.append((file.path, moment))
        }
      case .stoppedRun(let run):
        guard !writtenWhileIdle.contains(key) else { continue }
        if let moment = sight(key, at: file.modified, in: run, finished: false) {
          recognitions.append((file.path, moment))
        }
      case .undecided:
        if undecided.count < 256, !recognised.contains(key) { undecided.append(file) }
      case .otherwise:
        break
      }
    }
    var findings: [Finding] = []
    if !suspects.isEmpty {
      findings.append(finding(for: suspects, recognisedAt: nil))
      hasWarned = true
      runWritten = [:]
    }
    // One warning for the paths recognised at once, at the moment of the first of them.
    if let first = recognitions.first {
      findings.append(finding(for: recognitions.map(\.path), recognisedAt: first.moment))
    }
    return findings
  }

  /// Step 1: a path written during a second finished run is suspected.
  private mutating func suspect(_ key: FingerprintKey, path: String, writtenIn run: Int, adding suspects: inout [String]) {
    if let first = runWritten[key], first != run {
      if !suspects.contains(path) { suspects.append(path) }
    } else if runWritten.count < Self.memoryLimit {
      runWritten[key] = run
    }
  }

  private func finding(for paths: [String], recognisedAt moment: Moment?) -> Finding {
    Finding(
      paths: Array(Set(paths)).sorted(),
      sharesAFolderWithSources: paths.contains { foldersWrittenWhileIdle.contains(FingerprintKey(Self.folder(of: $0))) },
      recognisedAt: moment)
  }

  /// Records that `key`'s path was written at `time` during `run`; returns the moment of its
  /// runs when this recognises it (step 2).
  private mutating func sight(_ key: FingerprintKey, at time: Int, in run: CycleHistory.RunSpan, finished: Bool) -> Moment? {
    guard !recognised.contains(key) else { return nil }
    var seen = sightings[key] ?? []
    // Several writes in one run (a file written twice): the last one counts.
    if seen.last?.run == run.number { seen.removeLast() }
    seen.append(Sighting(
      run: run.number, afterStart: time - run.time.lowerBound,
      beforeEnd: finished ? run.time.upperBound - time : nil))
    if seen.count > Self.runsToRecognise { seen.removeFirst(seen.count - Self.runsToRecognise) }
    guard seen.count == Self.runsToRecognise, let moment = Self.commonMoment(of: seen) else {
      if sightings.count < Self.memoryLimit || sightings[key] != nil { sightings[key] = seen }
      return nil
    }
    sightings[key] = nil
    if recognised.count < Self.memoryLimit { recognised.insert(key) }
    return moment
  }

  /// The moment the sightings share, if they do: as long after their runs' start, or as long
  /// before their end, within ``recognitionTolerance``.
  private static func commonMoment(of seen: [Sighting]) -> Moment? {
    func common(_ times: [Int]) -> Int? {
      guard let low = times.min(), let high = times.max(), high - low <= recognitionTolerance else { return nil }
      return times.reduce(0, +) / times.count
    }
    if let after = common(seen.map(\.afterStart)) { return .afterStart(after) }
    let beforeEnds = seen.compactMap(\.beforeEnd)
    if beforeEnds.count == seen.count, let before = common(beforeEnds) { return .beforeEnd(before) }
    return nil
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
    guard let moment = finding.recognisedAt else {
      return "\(shown) changed during two runs of a command, never between runs, and started a new run each time: "
        + "if a command of the pipeline writes \(it), every save runs the pipeline twice "
        + "(and without end if the output differs each time). To stop that, \(remedy), or list \(it) in .gitignore"
    }
    let when = switch moment {
    case .afterStart(let time): "\(milliseconds(time)) after the start"
    case .beforeEnd(let time): "\(milliseconds(time)) before the end"
    }
    let its = paths.count == 1 ? "its" : "their"
    return "\(shown) changed \(when) of each of \(runsToRecognise) runs of a command, never while the pipeline was idle, "
      + "and started the pipeline again each time: a command of the pipeline writes \(it). "
      + "From now on, \(its) changes made while a command runs are taken for the command's and start nothing. "
      + "To leave \(it) out altogether, \(remedy), or list \(it) in .gitignore"
  }

  /// `time` (nanoseconds) as `12 ms` or `1.5 s`.
  private static func milliseconds(_ time: Int) -> String {
    let milliseconds = max(0, time) / 1_000_000
    guard milliseconds >= 1_000 else { return "\(milliseconds) ms" }
    return "\(milliseconds / 1_000).\(milliseconds % 1_000 / 100) s"
  }

  /// The folder holding `path`; `""` at the root.
  private static func folder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "" }
    return String(path[..<slash])
  }
}
