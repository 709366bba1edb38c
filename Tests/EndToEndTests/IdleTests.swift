import Foundation
import PipelineCore
import Testing

/// A pipeline waiting for a change costs nothing: none of its threads wakes up.
@Suite(.serialized)
struct IdleTests {
  /// `/proc/PID/task/TID/schedstat` holds, third, how many times each thread was scheduled:
  /// a thread that slept through a window has the same count at both ends.
  static func timesScheduled(_ pid: pid_t) -> [String: Int] {
    var counts: [String: Int] = [:]
    for thread in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? [] {
      let fields = (try? String(contentsOfFile: "/proc/\(pid)/task/\(thread)/schedstat", encoding: .utf8))?.split(separator: " ")
      let name = (try? String(contentsOfFile: "/proc/\(pid)/task/\(thread)/comm", encoding: .utf8))?
        .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
      if let fields, fields.count == 3, let count = Int(fields[2].trimmingCharacters(in: .whitespacesAndNewlines)) {
        counts["\(thread) \(name)"] = count
      }
    }
    return counts
  }

  @Test func aPipelineWaitingForAChangeWakesNoThread() async throws {
    let project = try TemporaryProject("idle")
    try project.write("src/message.txt", "v1")
    try project.write("app.sh", "echo \"app started: $(cat out.txt)\"\nexec sleep 600\n")
    try project.write(
      "pipeline.yaml",
      """
      stages:
        - stage: watch
          paths: [src]
        - stage: debounce
          window: 30ms
        - stage: filter
        - stage: build
          run: cp src/message.txt out.txt
        - stage: restart
          run: sh app.sh
      """)
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")
    try project.write("src/message.txt", "v2")
    #expect(await run.waitForLine(containing: "app started: v2"), "\(run.transcript)")
    // The filter's fingerprints of the tree are done, and with them the startup's work; the
    // startup code's pages are handed back on the engine's thread 2 s after `watch-ready`
    // (reading /proc/self/smaps: several wake-ups), which must be over too.
    #expect(await run.waitUntil { !run.events("filter-baseline").isEmpty }, "\(run.transcript)")
    #expect(await run.waitUntil { !run.events("startup-code-released").isEmpty }, "\(run.transcript)")
    try await Task.sleep(for: .milliseconds(500))

    let pid = run.process.commandPID
    let before = Self.timesScheduled(pid)
    try await Task.sleep(for: .seconds(3))
    let after = Self.timesScheduled(pid)
    #expect(!before.isEmpty)
    // Before the engine kept the time, libdispatch's pool monitor woke a thread every second.
    // A thread may end in the window (an idle worker of libdispatch leaves after 5 s, once);
    // every thread still there must not have run, and none may be new.
    let woke = after.filter { before[$0.key] != $0.value }
    #expect(woke.isEmpty, "threads that woke while nothing changed: \(woke), before: \(before)")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
  }
}
