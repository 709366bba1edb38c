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

  // MARK: What is remembered between lookups

  @Test func aProgramInstalledAheadOnPathIsTheOneFoundNext() throws {
    let cache = ExecutableCache()
    let path = "\(folder)/first:\(folder)/bin"
    try FileManager.default.createDirectory(atPath: folder + "/first", withIntermediateDirectories: true)
    #expect(try ExecutableLookup.find("tool", path: path, workingDirectory: folder, cache: cache) == folder + "/bin/tool")
    #expect(cache.file(for: "tool", path: path) == folder + "/bin/tool", "remembered")
    // A newer `tool` lands in a folder searched first, as `go install` into /usr/local/bin.
    try Self.write(folder + "/first/tool", mode: 0o755)
    #expect(try ExecutableLookup.find("tool", path: path, workingDirectory: folder, cache: cache) == folder + "/first/tool")
  }

  @Test func aRemovedProgramIsLookedForAgain() throws {
    let cache = ExecutableCache()
    let path = "\(folder)/bin:\(folder)"
    #expect(try ExecutableLookup.find("tool", path: path, workingDirectory: folder, cache: cache) == folder + "/bin/tool")
    try FileManager.default.removeItem(atPath: folder + "/bin/tool")
    #expect(try ExecutableLookup.find("tool", path: path, workingDirectory: folder, cache: cache) == folder + "/tool")
  }

  @Test func aPathFolderCreatedLaterIsSeen() throws {
    let cache = ExecutableCache()
    let path = "\(folder)/later/bin:\(folder)/bin"
    #expect(try ExecutableLookup.find("tool", path: path, workingDirectory: folder, cache: cache) == folder + "/bin/tool")
    try FileManager.default.createDirectory(atPath: folder + "/later/bin", withIntermediateDirectories: true)
    try Self.write(folder + "/later/bin/tool", mode: 0o755)
    #expect(try ExecutableLookup.find("tool", path: path, workingDirectory: folder, cache: cache) == folder + "/later/bin/tool")
  }

  @Test func aProgramMadeExecutableAheadOnPathIsSeen() throws {
    let cache = ExecutableCache()
    let path = "\(folder)/bin:\(folder)"
    try Self.write(folder + "/bin/other", mode: 0o644)
    try Self.write(folder + "/other", mode: 0o755)
    #expect(try ExecutableLookup.find("other", path: path, workingDirectory: folder, cache: cache) == folder + "/other")
    #expect(chmod(folder + "/bin/other", 0o755) == 0)
    #expect(try ExecutableLookup.find("other", path: path, workingDirectory: folder, cache: cache) == folder + "/bin/other")
  }

  @Test func aPathWithARelativeFolderIsNotRemembered() throws {
    let cache = ExecutableCache()
    let path = "bin:/bin"
    #expect(try ExecutableLookup.find("tool", path: path, workingDirectory: folder, cache: cache) == folder + "/bin/tool")
    #expect(cache.file(for: "tool", path: path) == nil)
  }

  @Test func stagesWithDifferentPathsKeepTheirOwnEntries() throws {
    let cache = ExecutableCache()
    let first = "\(folder)/bin", second = "\(folder):/bin"
    #expect(try ExecutableLookup.find("tool", path: first, workingDirectory: folder, cache: cache) == folder + "/bin/tool")
    #expect(try ExecutableLookup.find("tool", path: second, workingDirectory: folder, cache: cache) == folder + "/tool")
    #expect(cache.file(for: "tool", path: first) == folder + "/bin/tool")
    #expect(cache.file(for: "tool", path: second) == folder + "/tool")
  }
}
