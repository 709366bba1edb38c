import PipelineCore
@preconcurrency import Glibc

/// Which processes of this machine listen on a TCP port: the listening sockets of
/// `/proc/net/tcp` and `/proc/net/tcp6`, then the processes whose descriptors hold them.
///
/// The `ready` port check needs it when the port already accepts connections before the app
/// starts: a connection then proves nothing about the app (another process answers), so the
/// app counts as ready only once a process of its own group listens there.
enum PortHolders {
  /// A process that holds a listening socket of the port.
  struct Holder: Sendable, Equatable {
    var pid: pid_t
    /// Its command name (`/proc/PID/comm`), empty when unreadable.
    var name: String
  }

  /// The inodes of the sockets listening on `port`, on any local address, IPv4 or IPv6.
  static func listeningSockets(on port: UInt16) -> Set<UInt64> {
    var inodes = Set<UInt64>()
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
      guard case .success(let bytes) = FileBytes.read(contentsOf: table) else { continue }
      inodes.formUnion(parseListeningSockets(String(decoding: bytes, as: UTF8.self), port: port))
    }
    return inodes
  }

  /// The inodes of the `LISTEN` sockets on `port` in the text of `/proc/net/tcp` or `tcp6`:
  /// `sl local_address rem_address st … inode`, the address `HEX:PORT` in hexadecimal, the
  /// state `0A` for `LISTEN`.
  static func parseListeningSockets(_ text: String, port: UInt16) -> Set<UInt64> {
    var inodes = Set<UInt64>()
    for line in text.split(separator: "\n").dropFirst() {
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      guard fields.count > 9, fields[3] == "0A",
        let colon = fields[1].lastIndex(of: ":"),
        UInt16(fields[1][fields[1].index(after: colon)...], radix: 16) == port,
        let inode = UInt64(fields[9]), inode != 0
      else { continue }
      inodes.insert(inode)
    }
    return inodes
  }

  /// The processes holding one of `sockets`, limited to process group `group` when given.
  /// Processes whose descriptors cannot be read (another user's) are not found.
  static func holders(of sockets: Set<UInt64>, inGroup group: pid_t? = nil) -> [Holder] {
    guard !sockets.isEmpty else { return [] }
    let targets = Set(sockets.map { "socket:[\($0)]" })
    return ProcessDescriptors.processes(inGroup: group)
      .filter { pid in ProcessDescriptors.links(of: pid).contains { targets.contains($0.target) } }
      .map { Holder(pid: $0, name: commandName(of: $0)) }
  }

  /// Whether a process of `group` listens on `port` now.
  static func groupListens(_ group: pid_t, on port: UInt16) -> Bool {
    !holders(of: listeningSockets(on: port), inGroup: group).isEmpty
  }

  /// Whether `host` (an IPv4 address, as `ready` takes it) is an address of this machine:
  /// a loopback or wildcard address, or one of its interfaces'.
  static func isLocal(_ host: String) -> Bool {
    if host.hasPrefix("127.") || host == "0.0.0.0" { return true }
    var wanted = in_addr()
    guard inet_pton(AF_INET, host, &wanted) == 1 else { return false }
    var list: UnsafeMutablePointer<ifaddrs>?
    guard getifaddrs(&list) == 0 else { return false }
    defer { freeifaddrs(list) }
    var next = list
    while let entry = next {
      defer { next = entry.pointee.ifa_next }
      guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET) else { continue }
      let ipv4 = UnsafeRawPointer(address).load(as: sockaddr_in.self)
      if ipv4.sin_addr.s_addr == wanted.s_addr { return true }
    }
    return false
  }

  private static func commandName(of pid: pid_t) -> String {
    guard case .success(let bytes) = FileBytes.read(contentsOf: "/proc/\(pid)/comm") else { return "" }
    return String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
  }
}
