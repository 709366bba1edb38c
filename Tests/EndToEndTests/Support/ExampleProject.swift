import Foundation
import Testing

/// The examples of `pipelines/`, copied into a temporary project so a test can edit them
/// while the real `pipeline` runs them with the real toolchain.
enum ExampleProject {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

  /// Folders an example's runs leave behind; never copied.
  static let buildFolders: Set<String> = ["tmp", ".build", ".build-pipeline", "node_modules"]

  /// A temporary copy of `pipelines/NAME`, without build outputs and without `leaving`.
  static func copy(_ name: String, leaving excluded: Set<String> = []) throws -> TemporaryProject {
    let source = repository + "/pipelines/" + name
    let project = try TemporaryProject(name)
    let enumerator = FileManager.default.enumerator(atPath: source)
    while let item = enumerator?.nextObject() as? String {
      let top = String(item.split(separator: "/").first ?? "")
      if buildFolders.contains(top) || excluded.contains(item) {
        enumerator?.skipDescendants()
        continue
      }
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: source + "/" + item, isDirectory: &isDirectory),
        !isDirectory.boolValue
      else { continue }
      try project.write(item, try String(contentsOfFile: source + "/" + item, encoding: .utf8))
    }
    return project
  }

  /// Fails the test, saying how to get it, when `program` is not on `PATH`.
  static func requireTool(_ program: String, install: String) throws {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    let found = path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(program)") }
    try #require(found, "\(program) is not installed: \(install) (.ci/run does it)")
  }
}

extension PipelineRun {
  /// A plain HTTP/1.1 GET of `/` that asks the server to close the connection after answering.
  static let request = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"

  /// Waits until an HTTP GET of 127.0.0.1:`port` answers with a body containing `text`.
  func waitForAnswer(port: UInt16, containing text: String, timeout: Duration = .seconds(60)) async -> Bool {
    await waitUntil(timeout: timeout) { answer(port: port)?.contains(text) == true }
  }

  /// The body of an HTTP GET of 127.0.0.1:`port` right now, or `nil` when nothing answers.
  func answer(port: UInt16) -> String? {
    guard let response = Loopback.fetch(port: port, request: Self.request),
      let headersEnd = response.range(of: "\r\n\r\n")
    else { return nil }
    return String(response[headersEnd.upperBound...])
  }

  /// How many events of `kind` a stage called `stage` emitted so far.
  func count(_ kind: String, stage: String) -> Int {
    events(kind).filter { $0["stage"] as? String == stage }.count
  }
}
