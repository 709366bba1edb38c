@preconcurrency import Glibc

/// Reads a child's stdout and stderr on the calling thread until both end, splitting lines.
enum OutputReader {
  /// Lines longer than this are handed over in pieces, so a process that never writes a
  /// newline cannot make `pipeline` hold unbounded memory.
  static let maximumLineLength = 64 * 1024

  static func readLines(
    stdout: Int32, stderr: Int32, onLine: @Sendable (OutputChannel, String) -> Void
  ) {
    var fds = [pollfd(fd: stdout, events: Int16(POLLIN), revents: 0),
               pollfd(fd: stderr, events: Int16(POLLIN), revents: 0)]
    var pending: [[UInt8]] = [[], []]
    let channels: [OutputChannel] = [.stdout, .stderr]
    var buffer = [UInt8](repeating: 0, count: 16 * 1024)
    var open = 2
    while open > 0 {
      let ready = poll(&fds, nfds_t(fds.count), -1)
      if ready < 0 {
        if errno == EINTR { continue }
        break
      }
      for index in fds.indices where fds[index].fd >= 0 && fds[index].revents != 0 {
        let count = buffer.withUnsafeMutableBytes { read(fds[index].fd, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        if count <= 0 {
          if !pending[index].isEmpty { onLine(channels[index], text(pending[index])) }
          pending[index] = []
          close(fds[index].fd)
          fds[index].fd = -1
          open -= 1
          continue
        }
        var start = 0
        for position in 0..<count where buffer[position] == UInt8(ascii: "\n") {
          pending[index].append(contentsOf: buffer[start..<position])
          onLine(channels[index], text(pending[index]))
          pending[index].removeAll(keepingCapacity: true)
          start = position + 1
        }
        pending[index].append(contentsOf: buffer[start..<count])
        if pending[index].count > maximumLineLength {
          onLine(channels[index], text(pending[index]))
          pending[index].removeAll(keepingCapacity: true)
        }
      }
    }
  }

  private static func text(_ bytes: [UInt8]) -> String {
    var slice = bytes[...]
    if slice.last == UInt8(ascii: "\r") { slice = slice.dropLast() }
    return String(decoding: slice, as: UTF8.self)
  }
}
