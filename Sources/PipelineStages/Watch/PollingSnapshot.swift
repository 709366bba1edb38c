import Glibc

/// One polled folder and what the last scan saw in it (`nil`: it did not exist).
struct PolledTree {
  var path: String
  var reportsItself: Bool
  var snapshot: FolderSnapshot?
}

/// What the scans saw in one folder, by entry name, and when they last looked.
final class FolderSnapshot {
  var entries: [String: SnapshotEntry] = [:]
  /// The folder's own inode and timestamps when it was last listed: while they stay the same, no
  /// entry was created, removed or renamed in it, so it need not be listed again.
  var identity = FolderIdentity.unknown
  /// When the folder was last listed, in nanoseconds of `CLOCK_REALTIME`: a folder whose
  /// modification time is not well before that may have changed again within the same
  /// timestamp tick, unseen by its identity (see ``PollingScanner/racyMargin``).
  var listedAt: Int64 = 0
  /// Until when (`CLOCK_MONOTONIC` nanoseconds) every file in it is stat'ed every round: it
  /// changed a moment ago, or holds files modified a moment ago.
  var hotUntil: Int64 = 0
  /// The rotation turn in which all its files were last stat'ed.
  var statedTurn: UInt32 = 0
  /// The content hash of each racy file, by name, as the last round read it (see
  /// ``PollingScanner``); empty, and free, for a folder without one.
  var contentHashes: [String: Int] = [:]
}

/// What a folder's `stat` says about its entries: any creation, removal or rename inside it
/// changes its modification and change times (and a folder replaced by another has a new inode).
struct FolderIdentity: Equatable {
  var inode: UInt64
  var modificationTime: Int64
  var changeTime: Int64

  /// Before the first listing: differs from every real folder.
  static let unknown = FolderIdentity(inode: 0, modificationTime: .min, changeTime: .min)

  /// - Parameter granularity: Timestamps are rounded down to a multiple of this many
  ///   nanoseconds, as a file system with coarse timestamps would store them (tests use it).
  init(_ info: stat, granularity: Int64) {
    inode = UInt64(info.st_ino)
    modificationTime = SnapshotEntry.nanoseconds(info.st_mtim, granularity: granularity)
    changeTime = SnapshotEntry.nanoseconds(info.st_ctim, granularity: granularity)
  }

  init(inode: UInt64, modificationTime: Int64, changeTime: Int64) {
    self.inode = inode
    self.modificationTime = modificationTime
    self.changeTime = changeTime
  }
}

/// What a scan saw of one entry.
///
/// The change time counts too: a copy that keeps the modification time (`cp -p`, `rsync -t`,
/// `touch -r`) sets it back, but nothing can set the change time, which the kernel moves at
/// every write and every change of the entry's metadata.
struct SnapshotEntry {
  var inode: UInt64
  var size: Int64
  var modificationTime: Int64
  /// `-1` when change times are not compared (``PollingScanner/comparesChangeTime``).
  var changeTime: Int64
  var mode: UInt32
  /// The scan that last saw the entry: entries left behind by a listing were removed.
  var generation: UInt32
  /// The folder's own snapshot, for a folder (never for a symlink to one).
  var folder: FolderSnapshot?

  init(_ info: stat, generation: UInt32, granularity: Int64, comparesChangeTime: Bool = true) {
    inode = UInt64(info.st_ino)
    size = Int64(info.st_size)
    modificationTime = Self.nanoseconds(info.st_mtim, granularity: granularity)
    changeTime = comparesChangeTime ? Self.nanoseconds(info.st_ctim, granularity: granularity) : -1
    mode = info.st_mode
    self.generation = generation
    folder = Self.isDirectory(info.st_mode) ? FolderSnapshot() : nil
  }

  var isDirectory: Bool { folder != nil }

  static func isDirectory(_ mode: UInt32) -> Bool { mode & S_IFMT == S_IFDIR }

  static func nanoseconds(_ time: timespec, granularity: Int64) -> Int64 {
    let nanoseconds = Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    return granularity > 1 ? nanoseconds - nanoseconds % granularity : nanoseconds
  }

  enum Comparison { case same, modified, replaced }

  /// Records what `info` says now and how it differs from before. A folder's own changes are
  /// not modifications: its entries' changes are reported instead.
  mutating func update(from info: stat, generation: UInt32, granularity: Int64) -> Comparison {
    self.generation = generation
    guard Self.isDirectory(info.st_mode) == isDirectory else { return .replaced }
    let inode = UInt64(info.st_ino)
    let size = Int64(info.st_size)
    let modificationTime = Self.nanoseconds(info.st_mtim, granularity: granularity)
    let changeTime = self.changeTime < 0 ? -1 : Self.nanoseconds(info.st_ctim, granularity: granularity)
    if inode == self.inode && size == self.size && modificationTime == self.modificationTime
      && changeTime == self.changeTime && info.st_mode == mode
    {
      return .same
    }
    self.inode = inode
    self.size = size
    self.modificationTime = modificationTime
    self.changeTime = changeTime
    mode = info.st_mode
    return isDirectory ? .same : .modified
  }
}
