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

/// The files behind one stage's `PIPELINE_CHANGED_FILES_LIST`: two per stage, written in
/// turn, in a folder of this `pipeline` process that is removed when it exits.
///
/// A stage runs one command (or one app) at a time, so the file a run got is left alone until
/// the stage's next run is over: the run after that rewrites it, in place. Creating a file
/// costs 0.1 to 0.7 ms on ext4 here, and its truncation to zero a quarter of a millisecond
/// (blocks freed and allocated again, through the journal), on the way from the save to the
/// command's start; rewriting an existing file's bytes over it costs about 10 µs. So after
/// the stage's first two runs, no file is created or truncated to zero. Saving the same files
/// again hands the same file over again, unless a command changed it.
final class ChangedFilesList: Sendable {
  /// `TMPDIR`, or `/tmp`.
  static let base = TemporaryFolder.base(in: ProcessInfo.processInfo.environment)

  static let folder: String = {
    let path = "\(base)/pipeline-\(getpid())"
    mkdir(path, 0o700)
    atexit { ChangedFilesList.removeFolder() }
    return path
  }()

  private static let counter = Counter()

  /// The longest list kept in memory to compare with the next one. A longer list (a branch
  /// switch) is written each time: writing it costs little next to what it starts, and a
  /// stage does not hold hundreds of kilobytes of paths for the rest of the run.
  static let longestListKept = 64 * 1024

  /// A file as last written, and what proves it still holds what was written: a command may
  /// have rewritten or removed it.
  private struct Written: Sendable {
    /// Which of the stage's two files.
    let index: Int
    let path: String
    /// `nil` when longer than ``longestListKept``: never handed over again.
    let text: String?
    let size: Int
    let modified: timespec
  }

  private struct State: Sendable {
    /// The stage's two files, named when first needed.
    var paths: [String] = []
    /// What the latest run got.
    var latest: Written?
  }
  private let state = Mutex(State())

  init() {}

  /// The path of a file holding `text` (plus a final newline): the latest run's file when it
  /// still holds exactly this text (and it is no longer than ``longestListKept``), else the
  /// stage's other file, rewritten to hold it. The latest run's file is never written: its
  /// command may still be reading it.
  func file(holding text: String, stage: String) throws -> String {
    if let latest = state.withLock({ $0.latest }), latest.text == text, Self.isUntouched(latest) { return latest.path }
    let (index, path) = state.withLock { state in
      let index = state.latest.map { 1 - $0.index } ?? 0
      if index == state.paths.count { state.paths.append("\(Self.folder)/\(stage)-\(Self.counter.next()).txt") }
      return (index, state.paths[index])
    }
    let bytes = Array((text.isEmpty ? "" : text + "\n").utf8)
    var modified = Self.overwrite(path, with: bytes)
    if modified == nil, errno == ENOENT, mkdir(Self.folder, 0o700) == 0 {
      // The folder was removed under `pipeline` (a cleaner of /tmp, `rm -rf /tmp/pipeline-*`):
      // made again, rather than failing every command from now on.
      modified = Self.overwrite(path, with: bytes)
    }
    guard let modified else {
      let reason = String(cString: strerror(errno))
      throw Diagnostic(
        at: nil, "cannot write the changed-files list \(path): \(reason)",
        help: "\(Self.folder) must be a folder pipeline can write: check TMPDIR (\(Self.base)), and that the folder is writable")
    }
    let kept = text.utf8.count <= Self.longestListKept ? text : nil
    state.withLock { $0.latest = Written(index: index, path: path, text: kept, size: bytes.count, modified: modified) }
    return path
  }

  /// Writes `bytes` over the file at `path` from its start and cuts it to their length (it
  /// is created if missing); the file's modification time after, or `nil` on failure. A
  /// command may have put something else there (a symlink, an empty folder, a FIFO, which
  /// `O_NONBLOCK` keeps from holding the engine until a reader comes): it is removed, before
  /// anything is written, and the file made anew.
  private static func overwrite(_ path: String, with bytes: [UInt8]) -> timespec? {
    let flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC
    var info = stat()
    var descriptor = open(path, flags, 0o600)
    if descriptor >= 0, fstat(descriptor, &info) != 0 || info.st_mode & S_IFMT != S_IFREG {
      close(descriptor)
      descriptor = -1
    }
    if descriptor < 0 {
      unlink(path)
      rmdir(path)
      descriptor = open(path, flags | O_EXCL, 0o600)
    }
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    let isWritten = bytes.withUnsafeBytes { FileBytes.writeAll($0, to: descriptor) } == nil
    guard isWritten, ftruncate(descriptor, off_t(bytes.count)) == 0, fstat(descriptor, &info) == 0 else { return nil }
    return info.st_mtim
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
