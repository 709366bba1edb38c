import PipelineCore
@preconcurrency import Glibc

/// Where `socket:` listens: a port on every IPv4 interface (`8080`), or on one address
/// (`127.0.0.1:8080`).
struct ListenAddress: Sendable, Hashable, OptionValue, CustomStringConvertible {
  var host: String
  var port: UInt16

  static var optionTypeName: String { "port or host:port" }
  static var optionPlaceholder: ListenAddress { ListenAddress(host: "0.0.0.0", port: 0) }

  init(host: String, port: UInt16) {
    self.host = host
    self.port = port
  }

  init(option node: ConfigNode) throws(Diagnostic) {
    (host, port) = try IPv4Endpoint.parse(node, defaultHost: "0.0.0.0")
  }

  var optionDescription: String { description }
  var description: String { host == "0.0.0.0" ? String(port) : "\(host):\(port)" }

  /// Binds and listens, returning the socket (close-on-exec; the keeper hands it on).
  func listen() throws(Diagnostic) -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw Diagnostic(at: nil, "cannot create a socket: \(String(cString: strerror(errno)))") }
    var yes: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
    let bound = IPv4Endpoint.withSocketAddress(host: host, port: port) { bind(fd, $0, $1) }
    guard bound == 0, Glibc.listen(fd, 128) == 0 else {
      let reason = String(cString: strerror(errno))
      let inUse = errno == EADDRINUSE
      close(fd)
      throw Diagnostic(
        at: nil, "cannot listen on \(self): \(reason)",
        help: inUse
          ? "another process holds the port (`ss -ltnp 'sport = :\(port)'` shows which); stop it, or choose another port"
          : "ports below 1024 need privileges; choose a port like 8080")
    }
    return fd
  }
}
