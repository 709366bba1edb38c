import Glibc
import PipelineCore

/// `TMPDIR` naming a folder that is missing or not writable: each command's changed-files
/// list goes there, so every command would fail, at the first change only. `pipeline run`
/// says so at its start instead.
enum TemporaryFolderCheck {
  /// The warning and its hint when `TMPDIR` (or `/tmp` without it) is not a folder the user can
  /// write to; `nil` when it is.
  static func problem(environment: [String: String]) -> (message: String, help: String)? {
    let variable = TemporaryFolder.variable(in: environment)
    let folder = TemporaryFolder.base(in: environment)
    var info = stat()
    let reason: String
    if stat(folder, &info) != 0 {
      reason = String(cString: strerror(errno))
    } else if info.st_mode & S_IFMT != S_IFDIR {
      reason = "not a folder"
    } else if access(folder, W_OK | X_OK) != 0 {
      reason = String(cString: strerror(errno))
    } else {
      return nil
    }
    let named = variable.map { "TMPDIR (\($0))" } ?? "/tmp"
    return (
      "\(named) is not a folder pipeline can write (\(reason)): every command will fail, as the changed-files list it gets is written there",
      variable == nil ? "make /tmp a folder everyone can write (chmod 1777 /tmp), or set TMPDIR to one" : "set TMPDIR to a folder you can write, or unset it to use /tmp"
    )
  }
}
