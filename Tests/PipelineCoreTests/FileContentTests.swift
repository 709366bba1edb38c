import Foundation
import Glibc
import Testing

@testable import PipelineCore

@Suite("FileContent")
struct FileContentTests {
  /// A file of `size` bytes (a pattern that differs at every position), opened for reading.
  func withFile<Result>(size: Int, _ body: (Int32) throws -> Result) throws -> Result {
    let path = NSTemporaryDirectory() + "file-content-\(UUID().uuidString)"
    defer { unlink(path) }
    let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    try #require(descriptor >= 0)
    defer { close(descriptor) }
    return try body(descriptor)
  }

  static let chunk = FileContent.chunkSize

  @Test("the size from fstat spares the last read and changes nothing read", arguments: [0, 1, 7, chunk - 1, chunk, chunk + 1, 3 * chunk + 5])
  func expectedSizeGivesTheSameReading(size: Int) throws {
    let whole = try withFile(size: size) { FileContent.hashContents(of: $0) }
    let sized = try withFile(size: size) { FileContent.hashContents(of: $0, size: size) }
    #expect(whole?.size == size)
    #expect(sized?.size == whole?.size)
    #expect(sized?.hash == whole?.hash)
  }

  @Test("a size that is not the file's (it grew or shrank since the fstat) still reads to the end", arguments: [
    (actual: 10, told: 4), (actual: 10, told: 20), (actual: chunk + 10, told: 10), (actual: 2 * chunk, told: chunk),
  ])
  func wrongSizeReadsToTheEnd(actual: Int, told: Int) throws {
    let whole = try withFile(size: actual) { FileContent.hashContents(of: $0) }
    let told = try withFile(size: actual) { FileContent.hashContents(of: $0, size: told) }
    #expect(told?.size == actual)
    #expect(told?.hash == whole?.hash)
  }

  @Test("a short read before the size is reached is not taken as the end (a file system that returns less)")
  func shortReadBeforeTheSizeGoesOn() async throws {
    // A pipe returns what is there so far, as such a file system might.
    var ends: [Int32] = [0, 0]
    try #require(pipe(&ends) == 0)
    let (reader, writer) = (ends[0], ends[1])
    defer { close(reader) }
    _ = write(writer, "abcd", 4)
    let later = Thread {
      usleep(50_000)
      _ = write(writer, "efgh", 4)
      close(writer)
    }
    later.start()
    let reading = FileContent.hashContents(of: reader, size: 8)
    #expect(reading?.size == 8)
  }
}
