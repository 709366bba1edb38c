import Glibc

/// The mounts this process sees, parsed from `/proc/self/mountinfo`, so that the watch stage can
/// tell which watched folders live on a file system that delivers no inotify events.
///
/// Built from text so tests can hand it a made-up table: `MountTable(mountInfo: "…")`. Each line of
/// `mountinfo` (see proc(5)) reads
///
/// ```
/// 36 35 98:0 /mnt1 /mnt/my\040disk rw,noatime master:1 shared:7 - ext4 /dev/root rw,errors=continue
/// (1)(2)(3)   (4)   (5)            (6)       (7 …: optional)    (8)(9)   (10)      (11)
/// ```
///
/// mount id, parent id, device, root inside the file system, mount point, mount options, zero or
/// more optional fields ended by a lone `-`, then the file-system type, the source and the
/// super-block options. The kernel writes a space, tab, newline or backslash in a field as an octal
/// escape (`\040`, `\011`, `\012`, `\134`); they are decoded here. Malformed lines are skipped.
struct MountTable: Sendable, Hashable {
  /// One line of `mountinfo`.
  struct Mount: Sendable, Hashable {
    var id: Int
    var parentID: Int
    /// `major:minor`.
    var device: String
    /// The folder of the file system that is mounted (`/` unless it is a bind mount of a part).
    var root: String
    /// Where it is mounted, absolute, in this process's view.
    var mountPoint: String
    var options: String
    /// Tagged fields such as `shared:7` or `master:1`.
    var optionalFields: [String]
    /// `ext4`, `9p`, `fuse.sshfs`…
    var fileSystemType: String
    var source: String
    var superOptions: String
  }

  /// The mounts in the order the kernel lists them (a later mount on the same point hides an
  /// earlier one).
  var mounts: [Mount]

  init(mounts: [Mount]) { self.mounts = mounts }

  /// Parses the text of `/proc/self/mountinfo`.
  init(mountInfo text: String) {
    mounts = text.split(separator: "\n").compactMap(Self.parse)
  }

  /// This process's mount table; empty when `/proc` cannot be read (then nothing is polled).
  static func current() -> MountTable {
    MountTable(mountInfo: DirectoryWalker.contents(of: "/proc/self/mountinfo") ?? "")
  }

  /// The mount that holds `path` (absolute, without symlinks): the one with the longest mount
  /// point that is `path` or one of its ancestors, the last one listed when several share it.
  func mount(containing path: String) -> Mount? {
    var best: Mount?
    for mount in mounts where DirectoryWalker.isPath(path, atOrUnder: mount.mountPoint) {
      if let current = best, current.mountPoint.utf8.count > mount.mountPoint.utf8.count { continue }
      best = mount
    }
    return best
  }

  // MARK: Parsing

  private static func parse(_ line: Substring) -> Mount? {
    let fields = line.split(separator: " ", omittingEmptySubsequences: true)
    // Six fixed fields, the separator, then three more; optional fields sit in between.
    guard fields.count >= 10, let separator = fields[6...].firstIndex(of: "-"),
      fields.count - separator >= 4,
      let id = Int(fields[0]), let parentID = Int(fields[1])
    else { return nil }
    return Mount(
      id: id, parentID: parentID, device: String(fields[2]), root: unescape(fields[3]),
      mountPoint: unescape(fields[4]), options: String(fields[5]),
      optionalFields: fields[6..<separator].map(unescape),
      fileSystemType: unescape(fields[separator + 1]), source: unescape(fields[separator + 2]),
      superOptions: unescape(fields[separator + 3]))
  }

  /// Decodes the kernel's `\ooo` octal escapes; a backslash not followed by three octal digits
  /// is kept as it is.
  static func unescape(_ field: Substring) -> String {
    let bytes = Array(field.utf8)
    guard bytes.contains(UInt8(ascii: "\\")) else { return String(field) }
    var result: [UInt8] = []
    result.reserveCapacity(bytes.count)
    var index = 0
    while index < bytes.count {
      if bytes[index] == UInt8(ascii: "\\"), index + 3 < bytes.count, let value = octal(bytes[(index + 1)...(index + 3)]) {
        result.append(value)
        index += 4
      } else {
        result.append(bytes[index])
        index += 1
      }
    }
    return String(decoding: result, as: UTF8.self)
  }

  /// The byte written as exactly three octal digits, if `digits` is that.
  private static func octal(_ digits: ArraySlice<UInt8>) -> UInt8? {
    guard digits.count == 3 else { return nil }
    var value = 0
    for digit in digits {
      guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "7") else { return nil }
      value = value * 8 + Int(digit - UInt8(ascii: "0"))
    }
    return value <= 255 ? UInt8(value) : nil
  }
}

// MARK: - Mounts that deliver no events

/// A watched folder that must be polled because its mount delivers no inotify events.
struct PolledMount: Sendable, Hashable {
  /// The folder, as the watcher reports paths (under the root as given, not its real path).
  var path: String
  /// The mount's file-system type, for the message that says why it is polled.
  var fileSystemType: String
}

extension MountTable {
  /// The file-system types on which inotify does not see every change, so `poll: auto` polls the
  /// folders on them. The one place this list lives; Documentation/Semantics.md repeats it.
  ///
  /// inotify reports changes made through *this* kernel's view of the files. On these file
  /// systems the files are changed elsewhere (the host of a VM or container, a file server),
  /// and no event crosses over:
  /// - `9p`: WSL 2's Windows drives, QEMU/Lima/Colima shares, Docker Desktop on Windows (WSL 2).
  /// - `virtiofs`: Docker Desktop on macOS (VirtioFS), Lima, Podman machine, Kata.
  /// - `fuse.grpcfuse`, `fakeowner`, `fuse.osxfs`: Docker Desktop on macOS (gRPC FUSE, its
  ///   VirtioFS owner shim, the old osxfs).
  /// - `vboxsf`: VirtualBox shared folders (Vagrant).
  /// - `drvfs`: WSL 1's Windows drives.
  /// - `nfs`, `nfs4`, `cifs`, `smb3`, `smbfs`: network shares (only this client's own writes
  ///   are seen).
  /// - `fuse.sshfs`: folders mounted over SSH.
  static let fileSystemsWithoutEvents: Set<String> = [
    "9p", "virtiofs", "fuse.grpcfuse", "fakeowner", "fuse.osxfs", "vboxsf", "drvfs",
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs",
  ]

  /// The folders under `roots` that must be polled: each root whose own mount delivers no
  /// events, and each mount point of such a file system inside a root (unless an excluded
  /// folder or an already polled folder holds it).
  ///
  /// - Parameters:
  ///   - roots: Absolute folders, as the watcher is given them. A root reached through a symlink
  ///     is resolved to find its mounts, and the results are given under the root as written.
  ///   - exclusion: Folders the watcher never enters.
  /// - Returns: The folders, sorted, none inside another.
  func subtreesWithoutEvents(under roots: [String], exclusion: WatchExclusion) -> [PolledMount] {
    var found: [PolledMount] = []
    for root in DirectoryWalker.outermostRoots(roots) {
      let real = Self.realPath(root) ?? root
      if let mount = mount(containing: real), Self.fileSystemsWithoutEvents.contains(mount.fileSystemType) {
        found.append(PolledMount(path: root, fileSystemType: mount.fileSystemType))
        continue
      }
      // The mount that is visible at each point: the last one listed there.
      var visible: [String: Mount] = [:]
      for mount in mounts where mount.mountPoint != real && DirectoryWalker.isPath(mount.mountPoint, atOrUnder: real) {
        visible[mount.mountPoint] = mount
      }
      for (point, mount) in visible.sorted(by: { $0.key < $1.key })
      where Self.fileSystemsWithoutEvents.contains(mount.fileSystemType) {
        let relative = point.dropFirst(real == "/" ? 1 : real.count + 1)
        let path = DirectoryWalker.join(root, String(relative))
        guard !exclusion.excludes(anyFolderOf: relative, under: root),
          !found.contains(where: { DirectoryWalker.isPath(path, atOrUnder: $0.path) })
        else { continue }
        found.append(PolledMount(path: path, fileSystemType: mount.fileSystemType))
      }
    }
    return found.sorted { $0.path < $1.path }
  }

  /// `path` with every symlink resolved, or `nil` when it does not exist.
  static func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
  }
}
