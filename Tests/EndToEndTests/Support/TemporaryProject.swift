import Foundation

/// A throwaway project folder for one test, removed when the test ends.
final class TemporaryProject {
  let root: String

  init(_ name: String = "project") throws {
    let base = FileManager.default.temporaryDirectory.path
    root = "\(base)/pipeline-e2e-\(name)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: root) }

  /// Writes `content` to `relative`, creating folders; the write replaces the file in place.
  func write(_ relative: String, _ content: String, executable: Bool = false) throws {
    let path = self.path(relative)
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try content.write(toFile: path, atomically: false, encoding: .utf8)
    if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path) }
  }

  func read(_ relative: String) -> String? {
    try? String(contentsOfFile: path(relative), encoding: .utf8)
  }

  func path(_ relative: String) -> String { root + "/" + relative }
}
