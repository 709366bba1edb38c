import Foundation
@testable import PipelineCLI

/// A throwaway folder holding the files of a project, removed when the test ends.
final class ScratchProject {
  let folder: ProjectFolder

  init(_ files: [String: String] = [:]) throws {
    let path = FileManager.default.temporaryDirectory.path + "/pipeline-cli-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    folder = ProjectFolder(path: path)
    for (name, content) in files { try write(name, content) }
  }

  deinit { try? FileManager.default.removeItem(atPath: folder.path) }

  func write(_ name: String, _ content: String) throws {
    let path = folder.path + "/" + name
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try content.write(toFile: path, atomically: true, encoding: .utf8)
  }

  func read(_ name: String) -> String? { folder.text(of: name) }
}
