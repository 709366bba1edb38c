import Glibc
import PipelineCore

/// Tells whether git would ignore a path, from the `.gitignore` files of the tree and the
/// repository's `.git/info/exclude`, read lazily and cached.
///
/// The repository root is the closest folder at or above the pipeline's folder that holds a
/// `.git` folder or file (a worktree's `.git` file leads to its `info/exclude`); with none,
/// the pipeline's folder stands in for it and there is no exclude file. Then, as in git:
///
/// - A `.gitignore` applies to the paths below its folder. For a path, the `.gitignore` of
///   its deepest folder is asked first, then those of shallower folders, then
///   `.git/info/exclude`; within a file the last matching line decides. A match of a `!`
///   line means "not ignored".
/// - A path inside an ignored folder is ignored, whatever a `!` line says about it: git
///   never looks inside an ignored folder, so it cannot include anything again there.
/// - Anything inside a `.git` folder is ignored.
///
/// Limitations: git never ignores a *tracked* file, but the index is not read here, so a
/// tracked file that a pattern matches is ignored all the same. `core.excludesFile` (the
/// global ignore file) and `core.ignoreCase` are not read.
///
/// The cache is kept until ``noteChange(_:)`` sees a `.gitignore` or the exclude file
/// change (or a folder removed); ``refreshExcludeFile()`` also notices an edited exclude
/// file, which a watcher never reports since it does not watch `.git`.
struct GitignoreMatcher: Sendable {
  /// What made a path ignored.
  enum Source: Sendable, Hashable, CustomStringConvertible {
    /// A `.gitignore` file; the associated value is its folder, relative to the repository.
    case gitignore(folder: String)
    /// The repository's `info/exclude` file.
    case excludeFile
    /// The path is inside a `.git` folder.
    case gitDirectory

    /// `ignored by .gitignore`, `ignored by .git/info/exclude` or `inside .git`.
    var description: String {
      switch self {
      case .gitignore: "ignored by .gitignore"
      case .excludeFile: "ignored by .git/info/exclude"
      case .gitDirectory: "inside .git"
      }
    }
  }

  /// The folder holding `.git`, or the pipeline's folder when there is none (absolute).
  let repositoryRoot: String
  /// The repository's `info/exclude` file (absolute), when there is a repository.
  let excludeFilePath: String?
  /// The pipeline's folder (absolute).
  private let pipelineRoot: String
  /// The pipeline's folder relative to ``repositoryRoot``: `""` when they are the same.
  private let pipelinePrefix: String

  /// The `.gitignore` of each folder asked about so far (`nil`: it has none), keyed by the
  /// folder relative to the repository (`""` for its root).
  private var files: [String: GitignoreFile?] = [:]
  /// The verdict for each folder asked about so far, keyed like ``files``.
  private var folderVerdicts: [String: Source?] = [:]
  private var excludeFile: GitignoreFile?
  private var excludeFileStamp: [Int]?

  /// A matcher for the pipeline whose folder is `pipelineRoot` (absolute); the repository
  /// is found by walking up from it.
  init(pipelineRoot: String) {
    let root = PathText.normalize(pipelineRoot)
    var folder = root
    var found: (root: String, gitEntry: String)?
    while true {
      let entry = folder == "/" ? "/.git" : folder + "/.git"
      var info = stat()
      if lstat(entry, &info) == 0 {
        found = (folder, entry)
        break
      }
      if folder == "/" { break }
      folder = PathText.normalize(folder + "/..")
    }
    self.pipelineRoot = root
    repositoryRoot = found?.root ?? root
    excludeFilePath = found.flatMap { Self.excludeFile(forGitEntry: $0.gitEntry) }
    let prefix = PathText.relative(root, to: repositoryRoot)
    pipelinePrefix = prefix == "." ? "" : prefix
    refreshExcludeFile()
  }

  /// Why git would ignore `path`, or `nil` when it would not (or the path is outside the
  /// repository).
  ///
  /// - Parameters:
  ///   - path: A path relative to the pipeline's folder, as in a ``Batch``.
  ///   - isDirectory: Whether it names a folder (for patterns ending in `/`).
  mutating func ignoreSource(for path: String, isDirectory: Bool) -> Source? {
    guard let path = repositoryPath(path) else { return nil }
    if PathText.containsSegment(path, ".git") { return .gitDirectory }
    if let parent = Self.parent(of: path), let source = folderVerdict(parent) { return source }
    return verdict(path, isDirectory: isDirectory)
  }

  /// Drops what a change may have made stale: the cached `.gitignore` of a folder whose
  /// `.gitignore` changed, everything cached below a removed path, the exclude file when it
  /// is the path. Returns `true` when `change` concerns an ignore file itself.
  @discardableResult
  mutating func noteChange(_ change: Change) -> Bool {
    if let excludeFilePath, PathText.join(pipelineRoot, change.path) == excludeFilePath {
      excludeFileStamp = nil
      refreshExcludeFile()
      return true
    }
    guard let path = repositoryPath(change.path) else { return false }
    if change.kind == .removed || change.kind == .renamed {
      let previous = change.previousPath.flatMap(repositoryPath)
      for folder in files.keys where Self.isPath(folder, atOrUnder: path) || previous.map({ Self.isPath(folder, atOrUnder: $0) }) == true {
        files[folder] = nil
      }
      folderVerdicts.removeAll()
    }
    guard Self.isIgnoreFile(path) else { return false }
    files[Self.parent(of: path) ?? ""] = nil
    folderVerdicts.removeAll()
    return true
  }

  /// Forgets every cached file and verdict (after a rescan, when anything may have changed).
  mutating func reset() {
    files.removeAll()
    folderVerdicts.removeAll()
    excludeFileStamp = nil
    refreshExcludeFile()
  }

  /// Rereads the exclude file if its size, modification time or inode changed.
  mutating func refreshExcludeFile() {
    guard let excludeFilePath else { return }
    var info = stat()
    let stamp: [Int]? =
      stat(excludeFilePath, &info) == 0
      ? [Int(info.st_ino), Int(info.st_size), info.st_mtim.tv_sec, info.st_mtim.tv_nsec] : nil
    guard stamp != excludeFileStamp || (stamp == nil && excludeFile != nil) else { return }
    excludeFileStamp = stamp
    excludeFile = stamp == nil ? nil : Self.read(excludeFilePath).map(GitignoreFile.init(text:))
    folderVerdicts.removeAll()
  }

  /// Whether `path` (any `/`-separated path) names a `.gitignore` file.
  static func isIgnoreFile(_ path: String) -> Bool {
    PathText.lastComponent(path) == ".gitignore"
  }

  // MARK: - Matching

  /// The verdict for the folder `folder` (repository-relative), its parents first.
  private mutating func folderVerdict(_ folder: String) -> Source? {
    if let cached = folderVerdicts[folder] { return cached }
    var result: Source?
    if let parent = Self.parent(of: folder) { result = folderVerdict(parent) }
    if result == nil { result = verdict(folder, isDirectory: true) }
    folderVerdicts[folder] = .some(result)
    return result
  }

  /// The verdict for `path` from the rules alone, its folders not considered.
  private mutating func verdict(_ path: String, isDirectory: Bool) -> Source? {
    var folder = Self.parent(of: path)
    while true {
      let key = folder ?? ""
      if let file = gitignore(in: key) {
        let relative = key.isEmpty ? path[...] : path[path.utf8.index(path.utf8.startIndex, offsetBy: key.utf8.count + 1)...]
        if let rule = file.lastMatch(for: relative, isDirectory: isDirectory) {
          return rule.isNegated ? nil : .gitignore(folder: key)
        }
      }
      guard let current = folder else { break }
      folder = Self.parent(of: current)
    }
    if let rule = excludeFile?.lastMatch(for: path[...], isDirectory: isDirectory) {
      return rule.isNegated ? nil : .excludeFile
    }
    return nil
  }

  /// The `.gitignore` of `folder` (repository-relative), read once.
  private mutating func gitignore(in folder: String) -> GitignoreFile? {
    if let cached = files[folder] { return cached }
    let path = folder.isEmpty ? repositoryRoot + "/.gitignore" : repositoryRoot + "/" + folder + "/.gitignore"
    let file = Self.read(path).map(GitignoreFile.init(text:))
    files[folder] = .some(file)
    return file
  }

  // MARK: - Paths

  /// `path` (relative to the pipeline's folder) relative to the repository root; `nil`
  /// when it is outside the repository or is its root.
  private func repositoryPath(_ path: String) -> String? {
    let joined = PathText.normalize(pipelinePrefix.isEmpty ? path : pipelinePrefix + "/" + path)
    if joined == "." || joined == ".." || joined.hasPrefix("../") || joined.hasPrefix("/") { return nil }
    return joined
  }

  /// `a/b` for `a/b/c`; `nil` for a top-level path.
  private static func parent(of path: String) -> String? {
    path.lastIndex(of: "/").map { String(path[..<$0]) }
  }

  private static func isPath(_ path: String, atOrUnder ancestor: String) -> Bool {
    path == ancestor || path.hasPrefix(ancestor + "/")
  }

  /// The `info/exclude` file of the repository whose `.git` entry is `gitEntry`: inside it
  /// when it is a folder; when it is a file (a worktree or a submodule), in the common
  /// folder of the `gitdir:` it names.
  private static func excludeFile(forGitEntry gitEntry: String) -> String? {
    if DirectoryWalker.isDirectory(gitEntry) { return gitEntry + "/info/exclude" }
    guard let text = read(gitEntry), let line = text.split(separator: "\n").first,
      line.hasPrefix("gitdir:")
    else { return nil }
    let folder = PathText.normalize(gitEntry + "/..")
    let gitDirectory = PathText.join(folder, String(line.dropFirst(7).trimmingSpaces))
    if let common = read(gitDirectory + "/commondir")?.trimmingSpaces, !common.isEmpty {
      return PathText.join(gitDirectory, String(common)) + "/info/exclude"
    }
    return gitDirectory + "/info/exclude"
  }

  /// The text of a small file, or `nil` when it cannot be read (or is not a regular file).
  private static func read(_ path: String) -> String? {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16_384)
    while true {
      let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
      if count < 0, errno == EINTR { continue }
      guard count > 0 else { break }
      bytes += chunk[..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}

extension StringProtocol {
  /// The text without leading and trailing spaces, tabs and line ends.
  fileprivate var trimmingSpaces: SubSequence {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
    guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
      return self[endIndex...]
    }
    return self[start...end]
  }
}
