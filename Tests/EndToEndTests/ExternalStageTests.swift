import Foundation
import Testing

/// `stage: external` with real programs: the Python example from the documentation, and a shell
/// program that crashes, hangs, writes garbage or speaks another protocol version on demand.
@Suite struct ExternalStageTests {
  /// Answers hello with protocol $VERSION (1 by default), then each batch according to the
  /// names of its changed files: one named after a fault that still exists causes it (a failed
  /// batch comes back with the next one, so a test removes the file to end the fault).
  static let probe = """
    #!/bin/sh
    read hello
    echo "{\\"type\\":\\"ready\\",\\"protocol\\":${VERSION:-1}}"
    echo "probe started" >&2
    asks() { case "$line" in *"$1"*) [ -e "in/$1" ] ;; *) false ;; esac; }
    while read line; do
      id=$(printf '%s' "$line" | sed 's/.*"id":\\([0-9]*\\).*/\\1/')
      if asks crash.txt; then exit 3
      elif asks hang.txt; then echo $$ > hang.pid; sleep 300
      elif asks garbage.txt; then echo "this is not json"
      else echo "{\\"type\\":\\"result\\",\\"id\\":$id,\\"pass\\":true}"
      fi
    done
    """

  static func pipeline(version: String = "1") -> String {
    """
    version: 1
    env: { VERSION: "\(version)" }
    stages:
      - stage: watch
        paths: [in]
      - stage: debounce
        window: 50ms
      - stage: external
        name: probe
        run: ./probe.sh
        timeout: 2s
      - stage: run
        name: after
        run: echo passed $PIPELINE_CHANGED_FILES
    """
  }

  func failures(_ run: PipelineRun) -> [[String: Any]] {
    run.events("stage-failed").filter { $0["stage"] as? String == "probe" }
  }

  /// Whether a batch holding `path` reached the stage after the probe.
  func passed(_ path: String, _ run: PipelineRun) async -> Bool {
    await run.waitUntil { run.output.contains { $0.contains("passed") && $0.split(separator: " ").contains(Substring(path)) } }
  }

  @Test func crashHangAndGarbageAreReportedAndTheProgramIsStartedAgain() async throws {
    let project = try TemporaryProject("external-faults")
    try project.write("probe.sh", Self.probe, executable: true)
    try project.write("in/.keep", "")
    try project.write("pipeline.yaml", Self.pipeline())
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "passed"), "the startup batch did not pass:\n\(run.transcript)")

    try project.replace("in/crash.txt", "x")
    #expect(await run.waitUntil { failures(run).count == 1 }, "\(run.transcript)")
    let crash = failures(run).last?["message"] as? String ?? ""
    #expect(crash.contains("stage 'probe' (external: ./probe.sh) exited with status 3 while handling a batch"), "\(crash)")
    #expect(failures(run).last?["status"] as? String == "crashed")

    try FileManager.default.removeItem(atPath: project.path("in/crash.txt"))
    try project.replace("in/ok1.txt", "x")
    #expect(await passed("in/ok1.txt", run), "not started again after the crash:\n\(run.transcript)")

    try project.replace("in/hang.txt", "x")
    #expect(await run.waitUntil { failures(run).count == 2 }, "\(run.transcript)")
    let hang = failures(run).last?["message"] as? String ?? ""
    #expect(hang.contains("stage 'probe' (external: ./probe.sh) did not answer within 2s while handling a batch and was stopped"), "\(hang)")
    #expect(failures(run).last?["status"] as? String == "timeout")
    // The cycle line shows how long the stage took: the 2s it was given, not 0ms.
    #expect(Double(failures(run).last?["duration"] as? String ?? "") ?? 0 >= 2, "\(failures(run).last ?? [:])")
    if let pid = project.pid("hang.pid") {
      #expect(await waitUntilGone(pid, timeout: .seconds(5)), "the hung program was left running")
    }
    try FileManager.default.removeItem(atPath: project.path("in/hang.txt"))

    try project.replace("in/garbage.txt", "x")
    #expect(await run.waitUntil { failures(run).count == 3 }, "\(run.transcript)")
    let garbage = failures(run).last?["message"] as? String ?? ""
    #expect(garbage.contains("stage 'probe' (external: ./probe.sh) broke the protocol: not a JSON object with a \"type\": 'this is not json'"), "\(garbage)")
    #expect(failures(run).last?["status"] as? String == "protocol")

    try FileManager.default.removeItem(atPath: project.path("in/garbage.txt"))
    try project.replace("in/ok2.txt", "x")
    #expect(await passed("in/ok2.txt", run), "not started again after garbage:\n\(run.transcript)")
    #expect(run.output.contains { $0.contains("[probe] probe started") }, "its standard error is shown under its name")

    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
    #expect(await ProcessProbe.waitUntilNoneLeft(inProject: project.root).isEmpty)
  }

  @Test func aProgramThatSpeaksAnotherVersionIsRefused() async throws {
    let project = try TemporaryProject("external-version")
    try project.write("probe.sh", Self.probe, executable: true)
    try project.write("in/.keep", "")
    try project.write("pipeline.yaml", Self.pipeline(version: "2"))
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitUntil { !failures(run).isEmpty }, "\(run.transcript)")
    let message = failures(run).first?["message"] as? String ?? ""
    #expect(message.contains("stage 'probe' (external: ./probe.sh) speaks protocol version 2, but pipeline speaks version 1"), "\(message)")
    #expect(!run.output.contains { $0.contains("passed") })
    // The pipeline keeps running, and tries again with the next batch.
    try project.replace("in/a.txt", "x")
    #expect(await run.waitUntil { failures(run).count == 2 }, "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
  }

  @Test func thePythonExampleStopsABatchWithConflictMarkers() async throws {
    let project = try TemporaryProject("external-python")
    let example = RepositoryFilesTests.repository + "/pipelines/external-python/"
    try project.write("conflict_markers.py", String(contentsOfFile: example + "conflict_markers.py", encoding: .utf8))
    try project.write("pipeline.yaml", String(contentsOfFile: example + "pipeline.yaml", encoding: .utf8))
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "[conflicts] 0 files clean"), "\(run.transcript)")

    try project.write("clean.txt", "all good\n")
    #expect(await run.waitForLine(containing: "[publish] all good"), "\(run.transcript)")

    try project.write("merge.txt", "<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> branch\n")
    #expect(await run.waitForLine(containing: "stage 'conflicts': conflict markers in merge.txt:1"), "\(run.transcript)")
    #expect(!run.output.contains { $0.contains("[publish] mine") }, "a batch with conflict markers went on")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
  }
}
