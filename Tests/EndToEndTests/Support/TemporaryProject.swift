import Foundation
import Glibc
import PipelineCore

/// A throwaway project folder for one test, removed when the test ends.
final class TemporaryProject {
  let root: String

  init(_ name: String = "project") throws {
    let base = FileManager.default.temporaryDirectory.path
    root = "\(base)/pipeline-e2e-\(name)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
  }

  deinit {
    try? FileManager.default.removeItem(atPath: root)
    try? FileManager.default.removeItem(atPath: root + ".staging")
  }

  /// Writes `content` to `relative`, creating folders; the write replaces the file in place.
  func write(_ relative: String, _ content: String, executable: Bool = false) throws {
    let path = self.path(relative)
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Self.writeFile(path, content, mode: executable ? 0o755 : 0o644)
  }

  /// Writes through a descriptor opened with `O_CLOEXEC`. Tests run in parallel and start
  /// processes all the time: a descriptor without it, open for writing at the moment another
  /// test spawns a process, is inherited by that process and kept, and every later `exec` of
  /// the file fails with "Text file busy" (status 126).
  static func writeFile(_ path: String, _ content: String, mode: mode_t = 0o644) throws {
    guard FileBytes.write(Array(content.utf8), toFile: path, mode: mode) == nil, chmod(path, mode) == 0 else {
      throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
    }
  }

  /// Writes `content` to a file outside the project, then renames it to `relative`: a watcher
  /// sees the whole new content at once, never an emptied file, as with an editor that saves
  /// by renaming.
  func replace(_ relative: String, _ content: String) throws {
    let staging = root + ".staging"
    try Self.writeFile(staging, content)
    guard rename(staging, path(relative)) == 0 else {
      throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path(relative)])
    }
  }

  func read(_ relative: String) -> String? {
    try? String(contentsOfFile: path(relative), encoding: .utf8)
  }

  /// The lines of a log a fixture writes; empty while it does not exist.
  func lines(_ relative: String) -> [String] {
    (read(relative) ?? "").split(separator: "\n").map(String.init)
  }

  /// The pid a fixture wrote to `relative`.
  func pid(_ relative: String) -> Int32? {
    read(relative).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
  }

  func path(_ relative: String) -> String { root + "/" + relative }
}
