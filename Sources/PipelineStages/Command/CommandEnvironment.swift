import Foundation
import PipelineCore

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

  init(context: StageContext, stageEnvironment: [String: String], batch: Batch) throws {
    let list = batch.paths.joined(separator: "\n")
    listFile = try ChangedFilesListFile.write(list, stage: context.name)
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

  /// Removes the list file.
  func cleanUp() { unlink(listFile) }
}

/// The files behind `PIPELINE_CHANGED_FILES_LIST`, in a folder of this `pipeline` process
/// that is removed when it exits.
enum ChangedFilesListFile {
  static let folder: String = {
    let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    let path = "\(base)/pipeline-\(getpid())"
    mkdir(path, 0o700)
    atexit { ChangedFilesListFile.removeFolder() }
    return path
  }()

  private static let counter = Counter()

  static func write(_ text: String, stage: String) throws -> String {
    let path = "\(folder)/\(stage)-\(counter.next()).txt"
    // Written directly, once, through an O_CLOEXEC descriptor: it is on the path from a save
    // to the command's start, and a fresh name needs no atomic rename.
    guard FileBytes.write(Array((text.isEmpty ? "" : text + "\n").utf8), toFile: path, mode: 0o600) == nil else {
      throw Diagnostic(
        at: nil, "cannot write the changed-files list \(path)",
        help: "check that \(folder) is writable, or set TMPDIR to a folder that is")
    }
    return path
  }

  static func removeFolder() {
    try? FileManager.default.removeItem(atPath: folder)
  }
}
