@preconcurrency import Glibc

/// Reads `/proc` to tell whether a process group still has a living member.
///
/// `kill(-pgid, 0)` also succeeds for zombies: a child of a stopped wrapper shell is
/// orphaned, reparented to PID 1 and stays a zombie until PID 1 reaps it — on some systems
/// a second or more later. A zombie holds no memory, port or file, so for "the group is
/// gone" only living members count.
enum ProcessTable {
  /// Whether a process that is not a zombie belongs to group `pgid`.
  static func groupHasLivingMember(_ pgid: pid_t) -> Bool {
    guard kill(-pgid, 0) == 0 || errno == EPERM else { return false }
    guard let proc = opendir("/proc") else { return true }
    defer { closedir(proc) }
    var buffer = [UInt8](repeating: 0, count: 512)
    while let entry = readdir(proc) {
      let first = entry.pointee.d_name.0
      guard first >= 0x31, first <= 0x39 else { continue }  // a pid: starts with 1-9
      let name = withUnsafePointer(to: entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
      }
      let fd = open("/proc/\(name)/stat", O_RDONLY | O_CLOEXEC)
      guard fd >= 0 else { continue }
      let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      close(fd)
      guard count > 0, let (state, group) = parseStat(buffer[..<count]) else { continue }
      if group == pgid, state != UInt8(ascii: "Z"), state != UInt8(ascii: "X") { return true }
    }
    return false
  }

  /// The state letter and the process group from the text of `/proc/PID/stat`:
  /// `pid (comm) S ppid pgrp …` — the command may itself hold spaces and parentheses, so
  /// fields are read after the last `)`.
  static func parseStat(_ text: ArraySlice<UInt8>) -> (state: UInt8, group: pid_t)? {
    guard let close = text.lastIndex(of: UInt8(ascii: ")")) else { return nil }
    let fields = text[(close + 1)...].split(separator: UInt8(ascii: " "), maxSplits: 4)
    guard fields.count >= 3, let state = fields[0].first,
      let group = pid_t(String(decoding: fields[2], as: UTF8.self))
    else { return nil }
    return (state, group)
  }
}
