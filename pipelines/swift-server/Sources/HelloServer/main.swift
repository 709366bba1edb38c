// A tiny HTTP server on Glibc sockets, without Foundation or packages: it answers every
// request with `greeting` on 127.0.0.1:$PORT (8080 by default). It serves one connection
// at a time, which is all a demo needs. The restart stage stops it with SIGTERM, whose
// default action ends it at once; it holds nothing to flush.
import Glibc

/// Writes a line to standard output at once (no buffer to flush, and no `stdout` global,
/// which Swift 6 rejects as shared mutable state).
func say(_ line: String) {
  let bytes = Array((line + "\n").utf8)
  _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

/// A socket listening on 127.0.0.1:`port`; exits with a message when the port is taken.
func listen(onPort port: UInt16) -> Int32 {
  let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  var reuse: Int32 = 1
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
  var address = sockaddr_in()
  address.sin_family = sa_family_t(AF_INET)
  address.sin_port = port.bigEndian
  address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
  let bound = withUnsafePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
  }
  guard bound == 0, Glibc.listen(listener, 64) == 0 else {
    say("cannot listen on 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
    exit(1)
  }
  return listener
}

/// Reads the request (its first 4 KiB is enough to answer) and writes the response.
func answer(_ client: Int32) {
  var request = [UInt8](repeating: 0, count: 4096)
  _ = read(client, &request, request.count)
  let body = greeting + "\n"
  let response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
    + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
  var bytes = Array(response.utf8)
  var sent = 0
  while sent < bytes.count {
    let count = bytes[sent...].withUnsafeMutableBytes { write(client, $0.baseAddress, $0.count) }
    if count < 0, errno == EINTR { continue }
    if count <= 0 { break }
    sent += count
  }
  close(client)
}

let port = getenv("PORT").flatMap { UInt16(String(cString: $0)) } ?? 8080
let listener = listen(onPort: port)
say("listening on http://127.0.0.1:\(port)/ — answering \"\(greeting)\"")
while true {
  let client = accept(listener, nil, nil)
  if client >= 0 { answer(client) }
}
