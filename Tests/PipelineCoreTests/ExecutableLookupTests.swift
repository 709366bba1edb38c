import Foundation
import Testing

@testable import PipelineCore

/// The `PATH` search that every command start makes, as a shell makes it.
@Suite("ExecutableLookup")
struct ExecutableLookupTests {
  /// A temporary project folder with `bin/tool` (executable) and `bin/notes` (not).
  let folder: String

  init() throws {
    folder = NSTemporaryDirectory() + "lookup-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: folder + "/bin", withIntermediateDirectories: true)
    try Self.write(folder + "/bin/tool", mode: 0o755)
    try Self.write(folder + "/bin/notes", mode: 0o644)
    try Self.write(folder + "/tool", mode: 0o755)
  }

  static func write(_ path: String, mode: Int) throws {
    let made = FileManager.default.createFile(
      atPath: path, contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: mode])
    try #require(made, "cannot write \(path)")
  }

  func find(_ program: String, path: String) throws(LaunchError) -> String {
    try ExecutableLookup.find(program, path: path, workingDirectory: folder)
  }

  @Test func theFirstFolderThatHoldsAnExecutableWins() throws {
    #expect(try find("tool", path: "/nonexistent:\(folder)/bin:\(folder)") == folder + "/bin/tool")
    #expect(try find("sh", path: "/nonexistent:/bin") == "/bin/sh")
  }

  @Test func aRelativeFolderIsFoundFromTheWorkingDirectory() throws {
    #expect(try find("tool", path: "/nonexistent:bin") == folder + "/bin/tool")
  }

  @Test func anEmptyEntryIsTheWorkingDirectory() throws {
    #expect(try find("tool", path: "/nonexistent::/bin") == folder + "/tool")
  }

  @Test func aFileWithoutTheExecuteBitIsPassedOver() {
    #expect(throws: LaunchError.notFound("notes")) { try find("notes", path: "\(folder)/bin") }
  }
}
