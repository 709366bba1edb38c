import Foundation
import Glibc
@testable import PipelineStages
import Testing

@Suite struct FileFingerprintTests {
  @Test func theSameContentGivesTheSameFingerprintWhateverTheTime() async throws {
    try await withFilterFolder { folder in
      try folder.write("a", "hello\n", secondsAgo: 100)
      let before = try #require(FileFingerprint.read(folder.root + "/a"))
      try folder.write("a", "hello\n", secondsAgo: 0)
      let after = try #require(FileFingerprint.read(folder.root + "/a"))
      #expect(before.fingerprint == after.fingerprint)
      #expect(before.modificationTime < after.modificationTime)
      try folder.write("a", "hellO\n")
      #expect(FileFingerprint.read(folder.root + "/a")?.fingerprint != before.fingerprint)
    }
  }

  @Test func aFileLargerThanAChunkIsHashedWhole() async throws {
    try await withFilterFolder { folder in
      let size = FileFingerprint.chunkSize * 3 + 17
      var text = String(repeating: "x", count: size - 1)
      try folder.write("big", text + "a")
      let first = try #require(FileFingerprint.read(folder.root + "/big"))
      #expect(first.fingerprint.size == size)
      text += "b"
      try folder.write("big", text)
      #expect(FileFingerprint.read(folder.root + "/big")?.fingerprint != first.fingerprint)
    }
  }

  @Test func aFileAboveTheLimitIsFingerprintedBySizeAndTime() async throws {
    try await withFilterFolder { folder in
      try folder.write("big", "0123456789", secondsAgo: 100)
      let before = try #require(FileFingerprint.read(folder.root + "/big", contentLimit: 4))
      #expect(before.fingerprint.summary == .modificationTime(before.modificationTime))
      try folder.touch("big")
      #expect(FileFingerprint.read(folder.root + "/big", contentLimit: 4)?.fingerprint != before.fingerprint)
    }
  }

  @Test func onlyRegularFilesHaveAFingerprint() async throws {
    try await withFilterFolder { folder in
      try Disk.makeFolder(folder.root + "/dir")
      #expect(mkfifo(folder.root + "/fifo", 0o644) == 0)
      #expect(FileFingerprint.read(folder.root + "/dir") == nil)
      #expect(FileFingerprint.read(folder.root + "/fifo") == nil)
      #expect(FileFingerprint.read(folder.root + "/missing") == nil)
    }
  }

  @Test func aPermissionChangeChangesTheFingerprint() async throws {
    try await withFilterFolder { folder in
      try folder.write("run.sh", "echo hi\n")
      #expect(chmod(folder.root + "/run.sh", 0o644) == 0)
      let before = try #require(FileFingerprint.read(folder.root + "/run.sh"))
      #expect(before.fingerprint.permissions == 0o644)
      #expect(chmod(folder.root + "/run.sh", 0o755) == 0)
      let after = try #require(FileFingerprint.read(folder.root + "/run.sh"))
      #expect(after.fingerprint != before.fingerprint)
      #expect(after.fingerprint.size == before.fingerprint.size)
    }
  }
}
