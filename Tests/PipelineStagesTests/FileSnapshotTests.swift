import Foundation
import Testing

@testable import PipelineStages

/// What the format stage counts as formatted: a file rewritten, not one that went away.
struct FileSnapshotTests {
  @Test("a rewritten file was formatted; an untouched one and one removed meanwhile were not")
  func rewrittenOnly() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("snapshot-\(getpid())").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let paths = ["rewritten.go", "untouched.go", "removed.go"].map { folder + "/" + $0 }
    for path in paths { try "package main\n".write(toFile: path, atomically: false, encoding: .utf8) }
    let snapshots = paths.map { FileSnapshot(path: $0, keepingBytes: false) }

    try "package main\n\nfunc main() {}\n".write(toFile: paths[0], atomically: false, encoding: .utf8)
    try FileManager.default.removeItem(atPath: paths[2])

    #expect(snapshots.map { $0.wasRewritten() } == [true, false, false])
  }
}
