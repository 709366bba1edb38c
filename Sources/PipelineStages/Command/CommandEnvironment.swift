import FoundationEssentials
import Glibc
import PipelineCore
import Synchronization

/// The environment a command runs with: the pipeline's, the stage's `env:`, and the
/// `PIPELINE_*` variables that describe the batch.
///
/// | variable | value |
/// |---|---|
/// | `PIPELINE_CHANGED_FILES` | the changed paths, one per line, relative to the pipeline's folder; left out when longer than 120 KiB |
/// | `PIPELINE_CHANGED_FILES_LIST` | a file holding the same list; always set |
/// | `PIPELINE_STAGE` | the stage's name |
/// | `PIPELINE_STARTUP` | `1` for the startup batch, `0` otherwise |
/// | `PIPELINE_ROOT` | the pipeline's folder |
struct CommandEnvironment {
  /// The kernel refuses a single environment string over 128 KiB (`MAX_ARG_STRLEN`); stay
  /// clearly below it.
  static let maximumVariableBytes = 120 * 1024

  let variables: [String: String]
  let listFile: String

  /// - Parameter listFiles: the stage's changed-files list, which writes the file named by
  ///   `PIPELINE_CHANGED_FILES_LIST`.
  init(context: StageContext, stageEnvironment: [String: String], batch: Batch, listFiles: ChangedFilesList) throws {
    let list = batch.paths.joined(separator: "\n")
    listFile = try listFiles.file(holding: list, stage: context.name)
    var variables = context.environment.merging(stageEnvironment) { _, stage in stage }
    if list.utf8.count <= Self.maximumVariableBytes {
      variables["PIPELINE_CHANGED_FILES"] = list
    } else {
      variables.removeValue(forKey: "PIPELINE_CHANGED_FILES")
    }
    variables["PIPELINE_CHANGED_FILES_LIST"] = listFile
    variables["PIPELINE_STAGE"] = context.name
    variables["PIPELINE_STARTUP"] = batch.isStartup ? "1" : "0"
    variables["PIPELINE_ROOT"] = context.root
    self.variables = variables
  }
}

/// The file behind one stage's `PIPELINE_CHANGED_FILES_LIST`: one at a time, the latest, in a
/// folder of this `pipeline` process that is removed when it exits.
///
/// A stage runs one command (or one app) at a time, so its file is replaced only once the run
/// that read it is over: a command's at its stage's next run, the app's at the next restart.
/// Saving the same file again gives the same list, and then the file is handed over again
/// instead of written anew: creating a file costs about 70 µs on ext4 here (unlinking one 15),
/// on the way from the save to the command's start.
final class ChangedFilesList: Sendable {
  static let folder: String = {
    let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    let path = "\(base)/pipeline-\(getpid())"
    mkdir(path, 0o700)
    atexit { ChangedFilesList.removeFolder() }
    return path
  }()

  private static let counter = Counter()

  /// The longest list kept in memory to compare with the next one. A longer list (a branch
  /// switch) is written anew each time: writing it costs little next to what it starts, and
  /// a stage does not hold hundreds of kilobytes of paths for the rest of the run.
  static let longestListKept = 64 * 1024

  /// A stage's latest file, and what proves it still holds what was written: a command may
  /// have rewritten or removed it.
  private struct Written: Sendable {
    let path: String
    /// `nil` when longer than ``longestListKept``: never handed over again.
    let text: String?
    let size: Int
    let modified: timespec
  }
  private let latest = Mutex<Written?>(nil)

  init() {}

  /// The path of a file holding `text` (plus a final newline): the latest file when that
  /// holds exactly this text (and it is no longer than ``longestListKept``), else a new one,
  /// named after `stage`, which replaces it.
  func file(holding text: String, stage: String) throws -> String {
    let bytes = Array((text.isEmpty ? "" : text + "\n").utf8)
    if let last = latest.withLock({ $0 }), last.text == text, Self.isUntouched(last) { return last.path }
    let folder = Self.folder
    let path = "\(folder)/\(stage)-\(Self.counter.next()).txt"
    // Written directly, once, through an O_CLOEXEC descriptor: a fresh name needs no atomic
    // rename.
    var info = stat()
    guard FileBytes.write(bytes, toFile: path, mode: 0o600) == nil, stat(path, &info) == 0 else {
      throw Diagnostic(
        at: nil, "cannot write the changed-files list \(path)",
        help: "check that \(folder) is writable, or set TMPDIR to a folder that is")
    }
    let kept = text.utf8.count <= Self.longestListKept ? text : nil
    let written = Written(path: path, text: kept, size: bytes.count, modified: info.st_mtim)
    if let replaced = latest.withLock({ latest in defer { latest = written }; return latest }) { unlink(replaced.path) }
    return path
  }

  private static func isUntouched(_ written: Written) -> Bool {
    var info = stat()
    return stat(written.path, &info) == 0 && Int(info.st_size) == written.size
      && info.st_mtim.tv_sec == written.modified.tv_sec && info.st_mtim.tv_nsec == written.modified.tv_nsec
  }

  static func removeFolder() {
    try? FileManager.default.removeItem(atPath: folder)
  }
}
