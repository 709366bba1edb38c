import PipelineCore
@preconcurrency import Glibc

/// The `PORT` or `HOST:PORT` form that `socket` and `ready` share: reading it from YAML and
/// turning it into a socket address.
enum IPv4Endpoint {
  /// Reads `8080` or `127.0.0.1:8080`; a bare port gets `defaultHost`.
  static func parse(_ node: ConfigNode, defaultHost: String) throws(Diagnostic) -> (host: String, port: UInt16) {
    let text = try String(option: node)
    var host = defaultHost
    var portText = Substring(text)
    if let colon = text.lastIndex(of: ":") {
      host = String(text[..<colon])
      portText = text[text.index(after: colon)...]
    }
    var address = in_addr()
    guard let port = UInt16(portText), port > 0, inet_pton(AF_INET, host, &address) == 1 else {
      throw Diagnostic(
        at: node.location, "'\(text)' is not a port or an IPv4 host:port",
        help: "write it like 8080 or 127.0.0.1:8080")
    }
    return (host, port)
  }

  /// Calls `body` with the `sockaddr` for `host` and `port`, as bind and connect take it.
  static func withSocketAddress<R>(host: String, port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    inet_pton(AF_INET, host, &address.sin_addr)
    return withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
  }
}
