import Foundation
@preconcurrency import Glibc

/// Finds the processes `pipeline` started for a project by their environment: every command
/// and the app get `PIPELINE_ROOT` and `PIPELINE_STAGE`, and their children inherit them, so
/// this sees a wrapper shell's grandchildren too — whatever group they ended up in.
enum ProcessProbe {
  /// A living (not zombie) process started for a project.
  struct Found: CustomStringConvertible {
    let pid: Int32
    /// `PIPELINE_STAGE`: the stage that started it.
    let stage: String
    /// `/proc/PID/cmdline`, arguments joined by spaces.
    let commandLine: String

    var description: String { "\(pid) [\(stage)] \(commandLine)" }
  }

  /// The living processes whose `PIPELINE_ROOT` is `root`.
  static func processes(inProject root: String) -> [Found] {
    let roots = Set([root, (root as NSString).resolvingSymlinksInPath])
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { name -> Found? in
      guard let pid = Int32(name), pid != getpid(), let environ = readAll("/proc/\(name)/environ") else { return nil }
      var variables: [String: String] = [:]
      for entry in environ.split(separator: "\0") {
        guard let equals = entry.firstIndex(of: "=") else { continue }
        variables[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
      }
      guard let projectRoot = variables["PIPELINE_ROOT"], roots.contains(projectRoot), processExists(pid) else { return nil }
      let commandLine = (readAll("/proc/\(name)/cmdline") ?? "").split(separator: "\0").joined(separator: " ")
      return Found(pid: pid, stage: variables["PIPELINE_STAGE"] ?? "?", commandLine: commandLine)
    }
  }

  /// Waits until no process of the project is left, at most `timeout` (a `SIGKILL` just sent
  /// takes a moment to land); returns the ones still there.
  static func waitUntilNoneLeft(inProject root: String, timeout: Duration = .seconds(2)) async -> [Found] {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while true {
      let left = processes(inProject: root)
      if left.isEmpty || clock.now >= deadline { return left }
      try? await Task.sleep(for: .milliseconds(20))
    }
  }

  /// A whole `/proc` file (their sizes read as 0, so read until the end).
  private static func readAll(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0, errno == EINTR { continue }
      guard count > 0 else { break }
      bytes += buffer[..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}

/// Waits until `pid` is gone (or a zombie), at most `timeout`; whether it is gone.
func waitUntilGone(_ pid: Int32, timeout: Duration = .seconds(2)) async -> Bool {
  let clock = ContinuousClock()
  let deadline = clock.now.advanced(by: timeout)
  while processExists(pid), clock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
  return !processExists(pid)
}
