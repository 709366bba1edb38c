import Glibc
import Synchronization
import Testing

@testable import PipelineCore

/// A console that stops reading (Ctrl-S, `| less` left on a page) must not stop the pipeline:
/// lines wait on the console's thread, up to a limit, and what is dropped past it is said.
struct ConsoleQueueTests {
  /// A console that takes nothing until `open` is set, then records what it got.
  final class PausedConsole: Sendable {
    let isOpen = Atomic<Bool>(false)
    let received = Mutex<[(Int32, String)]>([])

    func write(_ bytes: [UInt8], _ descriptor: Int32) {
      while !isOpen.load(ordering: .acquiring) { usleep(1000) }
      received.withLock { $0.append((descriptor, String(decoding: bytes, as: UTF8.self))) }
    }

    var text: String { received.withLock { $0.map(\.1).joined() } }
  }

  @Test func linesQueueWithoutBlockingAndThoseOverTheLimitAreCountedInANote() {
    let console = PausedConsole()
    let queue = ConsoleQueue(limit: 20, write: console.write)
    let clock = ContinuousClock()
    let started = clock.now
    queue.enqueue(Array("first line\n".utf8), to: 1)  // 11 bytes: waits, taken by the thread
    queue.enqueue(Array("second\n".utf8), to: 1)  // 18 in all: waits
    queue.enqueue(Array("third line\nfourth\n".utf8), to: 1)  // over 20: dropped, two lines
    #expect(started.duration(to: clock.now) < .seconds(1), "enqueue never waits for the console")
    #expect(!queue.drain(timeout: .milliseconds(50)), "the console takes nothing yet")

    console.isOpen.store(true, ordering: .releasing)
    #expect(queue.drain(timeout: .seconds(10)))
    queue.enqueue(Array("fifth\n".utf8), to: 2)
    #expect(queue.drain(timeout: .seconds(10)))
    #expect(console.text == "first line\nsecond\n" + ConsoleQueue.droppedNote(2) + "fifth\n", "the note stands where the lines were")
    #expect(console.received.withLock { $0.last?.0 } == 2, "each chunk goes to its own descriptor")
  }

  @Test func aDrainThatRanOutDoesNotWaitAgainUntilTheConsoleReads() {
    let console = PausedConsole()
    let queue = ConsoleQueue(limit: 1 << 10, write: console.write)
    queue.enqueue(Array("stuck\n".utf8), to: 1)
    #expect(!queue.drain(timeout: .milliseconds(30)))
    let clock = ContinuousClock()
    let started = clock.now
    #expect(!queue.drain(timeout: .seconds(5)))
    #expect(started.duration(to: clock.now) < .seconds(2), "the second wait gives up at once")
    console.isOpen.store(true, ordering: .releasing)
    queue.enqueue(Array("more\n".utf8), to: 1)
    #expect(queue.drain(timeout: .seconds(10)))
    #expect(console.text == "stuck\nmore\n")
  }
}
