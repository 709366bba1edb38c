@preconcurrency import Glibc
import Synchronization
import Testing

@testable import PipelineCore

/// The release of the startup code's pages: which mappings qualify, and that releasing them
/// leaves a process that runs on.
@Suite("StartupCodePages")
struct StartupCodePagesTests {
  static let smaps = """
    00400000-010d1000 r-xp 00000000 fe:00 53   /opt/bin/pipeline
    Size:              13124 kB
    Rss:                7412 kB
    Anonymous:             0 kB
    010d1000-0112a000 r--p 00cd0000 fe:00 53   /opt/bin/pipeline
    Rss:                 356 kB
    Anonymous:             4 kB
    0112a000-01334000 rw-p 00d29000 fe:00 53   /opt/bin/pipeline
    Rss:                1048 kB
    Anonymous:             0 kB
    7f0000000000-7f0000001000 r--p 00000000 fe:00 77   /usr/lib/x86_64-linux-gnu/libc.so.6
    Anonymous:             0 kB
    7f0000001000-7f0000002000 r--s 00000000 fe:00 53   /opt/bin/pipeline
    Anonymous:             0 kB
    7f0000003000-7f0000004000 r--p 00000000 fe:00 90   /opt/bin/pipeline (deleted)
    Anonymous:             0 kB
    7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0    [stack]
    Anonymous:           132 kB
    """

  @Test func onlyTheExecutablesReadOnlyPrivateMappingsWithoutPagesOfTheirOwnQualify() {
    let ranges = StartupCodePages.releasableMappings(in: Self.smaps, executable: "/opt/bin/pipeline")
    // Not the relocated r--p (a page of its own), the writable data, another file, a shared
    // mapping, nor another inode's file.
    #expect(ranges == [0x400000..<0x10d1000])
  }

  @Test func aProcessRunsOnAfterItsCodeIsReleased() throws {
    let released = StartupCodePages.release()
    #expect(released > 0, "the test runner's own code is a read-only private mapping")
    // Code and constants run again after the release come back from the page cache.
    let text = String(repeating: "pipeline ", count: 100).split(separator: " ").joined(separator: "-")
    #expect(text.utf8.count == 899)
    #expect(StartupCodePages.releasableMappings(in: "", executable: "/x").isEmpty)
  }

  @Test func theReleaseHappensOnceAfterTheFirstWatchReadyAndIsReported() async throws {
    let reported = Mutex<[Event]>([])
    let release = StartupCodeRelease(reportingTo: ClosureEventSink { event in reported.withLock { $0.append(event) } })
    release.emit(Event(kind: .cycleStarted, stage: "pipeline", message: "startup"))
    release.emit(Event(kind: .watchReady, stage: "watch", message: "watching ."))
    release.emit(Event(kind: .watchReady, stage: "watch", message: "watching ."))
    #expect(reported.withLock { $0.isEmpty }, "not before its delay")
    try await Task.sleep(for: StartupCodeRelease.delay + .seconds(1))
    let events = reported.withLock { $0 }
    #expect(events.map(\.kind) == [.startupCodeReleased], "once, for two watch-ready events")
    #expect(events.first.flatMap { Int($0.metadata["bytes"] ?? "") }.map { $0 >= 0 } == true)
  }
}
