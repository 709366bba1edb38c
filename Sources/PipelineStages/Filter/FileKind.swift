import Glibc

/// What a path names now, as far as the filter cares (a symlink is followed).
enum FileKind: Equatable {
  case file
  case folder
  /// A FIFO, a socket or a device.
  case special
  /// Nothing, or nothing the filter may look at: it is treated as a file.
  case unknown

  /// What `path` names now.
  static func at(_ path: String) -> FileKind {
    var info = stat()
    // withCString: passing the String itself copies it into a new C array.
    guard path.withCString({ stat($0, &info) }) == 0 else { return .unknown }
    switch info.st_mode & S_IFMT {
    case S_IFREG: return .file
    case S_IFDIR: return .folder
    case S_IFIFO, S_IFSOCK, S_IFCHR, S_IFBLK: return .special
    default: return .unknown
    }
  }
}
