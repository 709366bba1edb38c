import FoundationEssentials
import PipelineCore

/// The folder a built-in pipeline is chosen and written for: the current folder of
/// `pipeline run`, `validate` and `init`.
public struct ProjectFolder: Sendable {
  /// Its absolute path.
  public let path: String

  public init(path: String) { self.path = path }

  /// The current folder.
  public static var current: ProjectFolder { ProjectFolder(path: FileManager.default.currentDirectoryPath) }

  /// Whether the regular file (or folder) `name` exists in it.
  public func exists(_ name: String) -> Bool {
    FileManager.default.fileExists(atPath: path + "/" + name)
  }

  /// The text of the file `name`, or `nil` when it cannot be read.
  public func text(of name: String) -> String? {
    FileManager.default.contents(atPath: path + "/" + name).map { String(decoding: $0, as: UTF8.self) }
  }

  /// Whether `name` exists in it and is a folder.
  public func isFolder(_ name: String) -> Bool {
    var isDirectory = false
    return FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isDirectory) && isDirectory
  }

  /// The names in the folder `name` (`""`: this folder), sorted; empty when it cannot be read.
  public func entries(of name: String = "") -> [String] {
    let folder = name.isEmpty ? path : path + "/" + name
    return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
  }

  /// The folder's own name, for messages.
  public var name: String { String(PathText.lastComponent(path)) }
}
