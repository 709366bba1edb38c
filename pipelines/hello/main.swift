// A tiny HTTP server with no dependencies beyond Glibc, so `swiftc` builds it in a second or
// two: the app of the demo pipeline. It answers every request with `greeting`.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let port = UInt16(getenv("PORT").flatMap { Int(String(cString: $0)) } ?? 8080)
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
print("listening on http://127.0.0.1:\(port)/ — answering \"\(greeting)\"")
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
