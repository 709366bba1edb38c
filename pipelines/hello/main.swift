// A tiny HTTP server with no dependencies beyond Glibc, so `swiftc` builds it in a second or
// two: the app of the demo pipeline. It answers every request with `greeting`.
//
// With `socket: 8080` on the restart stage, pipeline holds the port and hands it to each
// instance as fd 3 (LISTEN_FDS=1, LISTEN_PID=this process): connections made during a
// restart wait in the backlog instead of being refused. Without it, the server binds
// 127.0.0.1:$PORT itself.
import Glibc

/// Descriptor 3, when pipeline (or systemd) handed a listening socket to this process.
func inheritedListener() -> Int32? {
  guard let count = getenv("LISTEN_FDS"), String(cString: count) == "1" else { return nil }
  // LISTEN_PID names the process the socket is meant for; a child of ours must not take it.
  if let pid = getenv("LISTEN_PID"), Int32(String(cString: pid)) != getpid() { return nil }
  return 3
}

/// A new socket listening on 127.0.0.1:`port`; exits when the port cannot be had.
func listening(on port: UInt16) -> Int32 {
  let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  var reuse: Int32 = 1
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
  var address = sockaddr_in()
  address.sin_family = sa_family_t(AF_INET)
  address.sin_port = port.bigEndian
  address.sin_addr.s_addr = inet_addr("127.0.0.1")
  let bound = withUnsafePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
  }
  guard bound == 0, listen(listener, 64) == 0 else {
    print("cannot listen on 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
    exit(1)
  }
  return listener
}

/// The port a socket is bound to.
func localPort(of fd: Int32) -> UInt16 {
  var address = sockaddr_in()
  var length = socklen_t(MemoryLayout<sockaddr_in>.size)
  _ = withUnsafeMutablePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
  }
  return UInt16(bigEndian: address.sin_port)
}

let port = UInt16(getenv("PORT").flatMap { Int(String(cString: $0)) } ?? 8080)
let inherited = inheritedListener()
let listener = inherited ?? listening(on: port)
if inherited != nil {
  print("listening on fd 3 from pipeline (port \(localPort(of: listener)), LISTEN_FDS=1) — answering \"\(greeting)\"")
} else {
  print("listening on http://127.0.0.1:\(port)/ — answering \"\(greeting)\"")
}
fflush(stdout)

while true {
  let client = accept(listener, nil, nil)
  if client < 0 { continue }
  var request = [UInt8](repeating: 0, count: 4096)
  _ = read(client, &request, request.count)
  let body = greeting + "\n"
  let response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
    + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
  _ = response.withCString { write(client, $0, strlen($0)) }
  close(client)
}
