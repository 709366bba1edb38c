import Foundation
import Testing

/// `stage: external` with messages as large as a real transform sends, field values of the
/// wrong kind, and a failed batch that must not be forgotten.
@Suite struct ExternalStageBatchTests {
  /// A transform in Python: for `in/many.txt` it answers with the batch plus 2,000 created
  /// files and says so in an output event of 70,000 characters; for `in/pass-text.txt` it
  /// writes `"pass": "true"`, for `in/bad-kind.txt` a change of kind `exploded`.
  static let transform = """
    import json, sys

    def send(message):
        sys.stdout.write(json.dumps(message) + "\\n")
        sys.stdout.flush()

    for line in sys.stdin:
        message = json.loads(line)
        if message["type"] == "hello":
            send({"type": "ready", "protocol": 1})
            continue
        paths = [change["path"] for change in message["changes"] if change["kind"] != "removed"]
        answer = {"type": "result", "id": message["id"], "pass": True}
        if "in/many.txt" in paths:
            send({"type": "event", "event": "output", "message": "x" * 70000 + " end"})
            generated = [{"path": "gen/%04d.txt" % n, "kind": "created"} for n in range(2000)]
            answer["changes"] = message["changes"] + generated
        elif "in/pass-text.txt" in paths:
            answer["pass"] = "true"
        elif "in/bad-kind.txt" in paths:
            answer["changes"] = [{"path": "a.txt", "kind": "exploded"}]
        send(answer)
    """

  static func project(_ name: String) throws -> TemporaryProject {
    let project = try TemporaryProject(name)
    try project.write("transform.py", transform)
    try project.write("in/.keep", "")
    try project.write("pipeline.yaml", """
      version: 1
      stages:
        - stage: watch
          paths: [in]
        - stage: debounce
          window: 50ms
        - stage: external
          name: expand
          run: [python3, transform.py]
          timeout: 10s
        - stage: run
          name: after
          run: echo "got $(wc -l < "$PIPELINE_CHANGED_FILES_LIST") files, last $(tail -n 1 "$PIPELINE_CHANGED_FILES_LIST")"
      """)
    return project
  }

  func failures(_ run: PipelineRun, of stage: String) -> [[String: Any]] {
    run.events("stage-failed").filter { $0["stage"] as? String == stage }
  }

  @Test func aResultWithThousandsOfChangesAndALongOutputLinePass() async throws {
    let project = try Self.project("external-long-lines")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "[after] got"), "the startup batch did not pass:\n\(run.transcript)")

    // The result line is some 80 KB, the event line 70 KB: both over the 64 KiB of a command's
    // output line.
    try project.replace("in/many.txt", "x")
    #expect(await run.waitForLine(containing: "[after] got 2001 files, last gen/1999.txt"), "\(run.transcript)")
    #expect(failures(run, of: "expand").isEmpty, "\(failures(run, of: "expand"))")
    let long = run.events("output").compactMap { $0["message"] as? String }.first { $0.hasPrefix("xxxx") }
    #expect(long?.count == 70_004, "the long output line was not shown whole: \(long?.count ?? 0) characters")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
  }

  @Test func aFieldOfTheWrongKindIsNamedWithWhatWasExpected() async throws {
    let project = try Self.project("external-wrong-values")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "[after] got"), "\(run.transcript)")

    try project.replace("in/pass-text.txt", "x")
    #expect(await run.waitUntil { failures(run, of: "expand").count == 1 }, "\(run.transcript)")
    let pass = failures(run, of: "expand").last?["message"] as? String ?? ""
    #expect(pass.contains(#"broke the protocol: "pass" must be true or false (without quotes), got "true": '{"type": "result""#), "\(pass)")
    try FileManager.default.removeItem(atPath: project.path("in/pass-text.txt"))

    try project.replace("in/bad-kind.txt", "x")
    #expect(await run.waitUntil { failures(run, of: "expand").count >= 2 }, "\(run.transcript)")
    let kind = failures(run, of: "expand").last?["message"] as? String ?? ""
    #expect(
      kind.contains(#"broke the protocol: "changes[0].kind" must be one of created, modified, removed, renamed, got "exploded""#),
      "\(kind)")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
  }

  /// The brief's case: the Python example, with a build after it. A save of another file must
  /// not build while a file saved earlier still holds conflict markers.
  @Test func aFileThatFailedIsCheckedAgainWithTheNextSave() async throws {
    let project = try TemporaryProject("external-failed-batch")
    let example = RepositoryFilesTests.repository + "/pipelines/external-python/"
    try project.write("conflict_markers.py", String(contentsOfFile: example + "conflict_markers.py", encoding: .utf8))
    try project.write(
      "pipeline.yaml",
      String(contentsOfFile: example + "pipeline.yaml", encoding: .utf8) + """
          - stage: build
            after: [conflicts]
            run: echo "building with $PIPELINE_CHANGED_FILES"

        """)
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "[build] building with"), "\(run.transcript)")

    try project.write("bad.txt", "<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> branch\n")
    #expect(await run.waitUntil { failures(run, of: "conflicts").count == 1 }, "\(run.transcript)")

    try project.write("other.txt", "other text\n")
    #expect(
      await run.waitUntil { failures(run, of: "conflicts").count == 2 },
      "the save of other.txt went on while bad.txt still holds markers:\n\(run.transcript)")
    let again = failures(run, of: "conflicts").last?["message"] as? String ?? ""
    #expect(again.contains("conflict markers in bad.txt:1"), "\(again)")
    #expect(!run.output.contains { $0.contains("[publish] other text") || $0.contains("building with bad.txt") }, "\(run.transcript)")

    // Resolved: both files go on together.
    try project.replace("bad.txt", "resolved\n")
    #expect(await run.waitForLine(containing: "[publish] other text"), "\(run.transcript)")
    #expect(await run.waitForLine(containing: "[publish] resolved"), "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
  }
}
