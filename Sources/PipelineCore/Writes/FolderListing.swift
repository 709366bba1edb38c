import Glibc

/// The names in a few folders at one moment: what a stage's folders held before it wrote,
/// so that a file that appears there later is known to be new.
struct FolderListing: Sendable {
  /// The folders, relative to the pipeline's folder.
  let folders: Set<String>
  private let names: [String: Set<String>]

  /// Lists `folders` (relative to `root`) now. A folder that cannot be read counts as
  /// empty.
  init(folders: Set<String>, root: String) {
    self.folders = folders
    var names: [String: Set<String>] = [:]
    for folder in folders { names[folder] = Self.list(PathText.join(root, folder)) }
    self.names = names
  }

  /// `true` when `path` is in one of the folders and was not there when they were listed.
  func isNew(_ path: String) -> Bool {
    guard let listed = names[PathText.parent(path)] else { return false }
    return !listed.contains(String(PathText.lastComponent(path)))
  }

  private static func list(_ path: String) -> Set<String> {
    guard let folder = opendir(path) else { return [] }
    defer { closedir(folder) }
    var result: Set<String> = []
    while let entry = readdir(folder) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
        String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name != ".", name != ".." { result.insert(name) }
    }
    return result
  }
}
