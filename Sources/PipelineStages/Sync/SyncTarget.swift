import Glibc
import PipelineCore

/// The folder the sync stage mirrors into, written through file descriptors so that no
/// write can land outside it.
///
/// Every path is walked from the target's own descriptor one name at a time with
/// `O_NOFOLLOW`: a `..` is refused before anything is opened, and a symlink met on the way
/// (planted in the target to point elsewhere) is refused instead of followed. Files are
/// written to a temporary name in their folder and renamed over the old one, so a reader
/// in the container sees the old file or the new one, never half of one; `rename` replaces
/// a symlink itself, never what it points to.
///
/// The target folder itself may be a symlink: that is the user's choice, written in the
/// pipeline file.
struct SyncTarget {
  /// Why one path could not be synced.
  struct Failure: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { "\(path): \(reason)" }
  }

  let path: String

  /// Creates the target folder (and its parents) when missing.
  init(path: String) throws(Failure) {
    self.path = path
    var built = ""
    for part in path.split(separator: "/") {
      built += "/" + part
      if mkdir(built, 0o755) != 0, errno != EEXIST { throw Failure(path: built, reason: Self.errorText()) }
    }
  }

  /// Copies the file, symlink or folder tree at `source` to `relative` in the target,
  /// keeping its permission bits and modification time. `source` ends with `relative`: the
  /// folders on its way are the source's own, so that one that replaced a file of the same
  /// name replaces it in the target too.
  ///
  /// What is neither a file, a folder nor a symlink (a FIFO, a socket, a device) cannot be
  /// mirrored by copying: its path is added to `skipped` and nothing else happens.
  func copy(from source: String, to relative: String, skipping skipped: inout [String]) throws(Failure) {
    let sourceFolder = String(source.dropLast(relative.count))
    let (folder, name) = try openParent(of: relative, creating: true, sourceFolder: sourceFolder)
    defer { close(folder) }
    var info = stat()
    guard lstat(source, &info) == 0 else { throw Failure(path: relative, reason: Self.errorText()) }
    switch info.st_mode & S_IFMT {
    case S_IFDIR:
      try copyTree(from: source, into: folder, name: name, relative: relative, mode: info.st_mode, skipping: &skipped)
    case S_IFLNK:
      try copyLink(from: source, into: folder, name: name, relative: relative)
    case S_IFREG:
      try copyFile(from: source, into: folder, name: name, relative: relative, info: info)
    default:
      skipped.append(relative)
    }
  }

  /// Removes `relative` from the target (a folder with everything in it); a path that is
  /// already gone is fine.
  func remove(_ relative: String) throws(Failure) {
    let (folder, name) = try openParent(of: relative, creating: false, missingIsFine: true)
    guard folder >= 0 else { return }
    defer { close(folder) }
    try removeEntry(name, in: folder, relative: relative)
  }

  // MARK: - Walking

  /// The descriptor of the folder that holds `relative`, and the last name; `-1` when a
  /// folder on the way is missing and `missingIsFine`. When `creating`, a missing folder is
  /// made, and a file (not a symlink) that stands where `sourceFolder` has a real folder is
  /// replaced by one: the source changed a file into a folder of the same name.
  private func openParent(
    of relative: String, creating: Bool, missingIsFine: Bool = false, sourceFolder: String? = nil
  ) throws(Failure) -> (Int32, String) {
    let parts = relative.split(separator: "/").map(String.init)
    guard let name = parts.last, !parts.isEmpty else { throw Failure(path: relative, reason: "not a path below the target") }
    if let bad = parts.first(where: { $0 == ".." || $0 == "." }) {
      throw Failure(path: relative, reason: "refused: '\(bad)' would leave the target folder")
    }
    var folder = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard folder >= 0 else { throw Failure(path: path, reason: Self.errorText()) }
    var walked = ""
    for part in parts.dropLast() {
      walked += (walked.isEmpty ? "" : "/") + part
      var next = openat(folder, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
      if next < 0, errno == ENOENT {
        if !creating {
          close(folder)
          if missingIsFine { return (-1, name) }
          throw Failure(path: walked, reason: "missing")
        }
        if mkdirat(folder, part, 0o755) != 0, errno != EEXIST {
          let reason = Self.errorText()
          close(folder)
          throw Failure(path: walked, reason: reason)
        }
        next = openat(folder, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
      } else if next < 0, errno == ENOTDIR, creating, let sourceFolder,
        Self.isPlainFile(part, in: folder), Self.isRealFolder(sourceFolder + walked)
      {
        if unlinkat(folder, part, 0) != 0 || mkdirat(folder, part, 0o755) != 0 {
          let reason = Self.errorText()
          close(folder)
          throw Failure(path: walked, reason: reason)
        }
        next = openat(folder, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
      }
      if next < 0 {
        let code = errno
        close(folder)
        // Nothing of the target lies below a file or a symlink: a path there is gone.
        if code == ELOOP || code == ENOTDIR, !creating, missingIsFine { return (-1, name) }
        if code == ELOOP || code == ENOTDIR {
          throw Failure(
            path: walked,
            reason: "refused: it is a symlink in the target (or a file where the source has no folder), and writing through it could land outside the target folder; remove it from the target")
        }
        throw Failure(path: walked, reason: Self.errorText(code))
      }
      close(folder)
      folder = next
    }
    return (folder, name)
  }

  // MARK: - Copying

  private func copyFile(from source: String, into folder: Int32, name: String, relative: String, info: stat) throws(Failure) {
    let input = open(source, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
    guard input >= 0 else { throw Failure(path: relative, reason: Self.errorText()) }
    defer { close(input) }
    let temporary = Self.temporaryName(for: name)
    let output = openat(folder, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
    guard output >= 0 else { throw Failure(path: relative, reason: Self.errorText()) }
    var failure: String?
    if let problem = Self.copyBytes(from: input, to: output) {
      failure = problem
    } else if fchmod(output, info.st_mode & 0o7777) != 0 {
      failure = Self.errorText()
    } else {
      var times = [info.st_atim, info.st_mtim]
      _ = futimens(output, &times)
    }
    close(output)
    if failure == nil, renameat(folder, temporary, folder, name) != 0 {
      if errno == EISDIR || errno == ENOTEMPTY || errno == EEXIST {
        // A folder stood where the file goes now.
        do {
          try removeEntry(name, in: folder, relative: relative)
          if renameat(folder, temporary, folder, name) != 0 { failure = Self.errorText() }
        } catch {
          failure = error.reason
        }
      } else {
        failure = Self.errorText()
      }
    }
    if let failure {
      unlinkat(folder, temporary, 0)
      throw Failure(path: relative, reason: failure)
    }
  }

  private func copyLink(from source: String, into folder: Int32, name: String, relative: String) throws(Failure) {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let length = readlink(source, &buffer, buffer.count - 1)
    guard length >= 0 else { throw Failure(path: relative, reason: Self.errorText()) }
    let temporary = Self.temporaryName(for: name)
    guard symlinkat(buffer, folder, temporary) == 0 else { throw Failure(path: relative, reason: Self.errorText()) }
    if renameat(folder, temporary, folder, name) != 0 {
      let reason = Self.errorText()
      unlinkat(folder, temporary, 0)
      throw Failure(path: relative, reason: reason)
    }
  }

  private func copyTree(
    from source: String, into folder: Int32, name: String, relative: String, mode: mode_t, skipping skipped: inout [String]
  ) throws(Failure) {
    var info = stat()
    if fstatat(folder, name, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_mode & S_IFMT != S_IFDIR {
      try removeEntry(name, in: folder, relative: relative)
    }
    if mkdirat(folder, name, mode & 0o7777) != 0, errno != EEXIST {
      throw Failure(path: relative, reason: Self.errorText())
    }
    guard let entries = DirectoryWalker.entries(of: source) else { return }
    for entry in entries {
      try copy(from: source + "/" + entry.name, to: relative + "/" + entry.name, skipping: &skipped)
    }
  }

  private static func copyBytes(from input: Int32, to output: Int32) -> String? {
    var buffer = [UInt8](repeating: 0, count: 128 << 10)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        return errorText()
      }
      if count == 0 { return nil }
      if let code = buffer.withUnsafeBytes({ FileBytes.writeAll(UnsafeRawBufferPointer(rebasing: $0[..<count]), to: output) }) {
        return errorText(code)
      }
    }
  }

  // MARK: - Removing

  /// Removes `name` in `folder`: a file or symlink, or a folder with its contents, never
  /// following a symlink.
  private func removeEntry(_ name: String, in folder: Int32, relative: String) throws(Failure) {
    if unlinkat(folder, name, 0) == 0 || errno == ENOENT { return }
    guard errno == EISDIR || errno == EPERM else { throw Failure(path: relative, reason: Self.errorText()) }
    let child = openat(folder, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard child >= 0 else { throw Failure(path: relative, reason: Self.errorText()) }
    var names: [String] = []
    if let listing = fdopendir(dup(child)) {
      while let entry = readdir(listing) {
        let entryName = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if entryName != ".", entryName != ".." { names.append(entryName) }
      }
      closedir(listing)
    }
    var failure: Failure?
    for entryName in names {
      do { try removeEntry(entryName, in: child, relative: relative + "/" + entryName) } catch { failure = error }
    }
    close(child)
    if let failure { throw failure }
    if unlinkat(folder, name, AT_REMOVEDIR) != 0, errno != ENOENT {
      throw Failure(path: relative, reason: Self.errorText())
    }
  }

  // MARK: - Helpers

  /// Whether `name` in `folder` is there and is neither a folder nor a symlink.
  private static func isPlainFile(_ name: String, in folder: Int32) -> Bool {
    var info = stat()
    guard fstatat(folder, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return false }
    let type = info.st_mode & S_IFMT
    return type != S_IFDIR && type != S_IFLNK
  }

  /// Whether `path` is a folder itself, not a symlink to one.
  private static func isRealFolder(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
  }

  /// A name next to the file, unique to this process and write.
  private static func temporaryName(for name: String) -> String {
    ".\(name).pipeline-sync-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
  }

  private static func errorText(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
  }
}
