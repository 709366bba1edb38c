import Foundation
import Testing

/// The format stage on the real binary: a formatter's rewrite goes into the build without
/// starting another cycle, and `check: true` fails without touching the file.
@Suite(.serialized)
struct FormatTests {
  /// A "formatter" that squeezes runs of spaces, through `sed -i`, which writes a
  /// temporary file next to each file and renames it over — as many formatters do.
  static let formatter = "exec sed -i 's/  */ /g' \"$@\"\n"

  /// The same squeeze, written the way many formatters save: into a temporary file, renamed
  /// over the original, whether the text changed or not (a new inode each time).
  static let renamingFormatter = "for f in \"$@\"; do tr -s ' ' < \"$f\" > \"$f.t\" && mv \"$f.t\" \"$f\"; done\n"

  static func project(check: Bool = false, formatter: String = formatter, filter: Bool = false) throws -> TemporaryProject {
    let project = try AppFixture.make()
    try project.write("fmt.sh", formatter)
    try project.write(
      "pipeline.yaml",
      """
      stages:
        - stage: watch
          paths: [src]
        - stage: debounce
          window: 30ms\(filter ? "\n  - stage: filter" : "")
        - stage: format
          run: [sh, fmt.sh, "{files}"]
          extensions: [txt]
          check: \(check)
        - stage: build
          run: sh build.sh
        - stage: restart
          run: sh app.sh
      """)
    return project
  }

  @Test func theFormattedFileIsBuiltAndItsRewriteStartsNoOtherCycle() async throws {
    let project = try Self.project()
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")

    try project.write("src/message.txt", "v2    with   spaces")
    #expect(await run.waitForLine(containing: "app started: v2 with spaces"), "\(run.transcript)")
    #expect(project.read("src/message.txt") == "v2 with spaces")
    #expect(run.output.contains { $0.contains("[format] formatted src/message.txt") }, "\(run.transcript)")

    // The rewrite (and sed's temporary file) must not come back as news.
    try await Task.sleep(for: .milliseconds(1500))
    #expect(run.events("cycle-started").count == 2, "one startup cycle, one for the edit: \(run.transcript)")
    #expect(run.output.filter { $0.contains("app started:") }.count == 2, "\(run.transcript)")

    // A later edit by a person is news again.
    try project.write("src/message.txt", "v3")
    #expect(await run.waitForLine(containing: "app started: v3"), "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  @Test func checkFailsNamingTheFileAndLeavesItAndTheRunningAppAlone() async throws {
    let project = try Self.project(check: true)
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")

    try project.write("src/message.txt", "v2  unformatted")
    #expect(await run.waitForLine(containing: "not formatted: src/message.txt"), "\(run.transcript)")
    #expect(project.read("src/message.txt") == "v2  unformatted", "check puts the file back")
    #expect(project.read("tmp/message.txt") == "v1", "the build did not run")
    try await Task.sleep(for: .milliseconds(800))
    #expect(run.events("stage-failed").count == 1, "putting the file back starts no cycle: \(run.transcript)")

    try project.write("src/message.txt", "v3 formatted")
    #expect(await run.waitForLine(containing: "app started: v3 formatted"), "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  /// After a failed check, a save of formatted text: the formatter renames its output over
  /// the file, same text, new inode. That rename is the pipeline's own write: one run, no
  /// cycle after cycle, no warning about a command writing the source.
  @Test func checkWithARenamingFormatterRunsOnceForAFormattedSave() async throws {
    let project = try Self.project(check: true, formatter: Self.renamingFormatter)
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")

    try project.write("src/message.txt", "v2  unformatted")
    #expect(await run.waitForLine(containing: "not formatted: src/message.txt"), "\(run.transcript)")
    try project.write("src/message.txt", "v3 formatted")
    #expect(await run.waitForLine(containing: "app started: v3 formatted"), "\(run.transcript)")
    try await Task.sleep(for: .milliseconds(1500))
    #expect(run.events("files-formatted").isEmpty, "\(run.transcript)")
    #expect(run.output.filter { $0.contains("[format] $") }.count == 2, "one run per save: \(run.transcript)")
    #expect(!run.output.contains { $0.contains("warning:") }, "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  /// The formatter rewrote `a  b` into `a b`; the person then saves `a  b` again. That is an
  /// edit (the file held `a b`), though it is the text the filter last let through: it is
  /// formatted and built again, not dropped as unchanged.
  @Test(arguments: [false, true])
  func savingBackTheUnformattedTextIsFormattedAgain(renaming: Bool) async throws {
    let project = try Self.project(formatter: renaming ? Self.renamingFormatter : Self.formatter, filter: true)
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")

    try project.write("src/message.txt", "v2  spaced")
    #expect(await run.waitForLine(containing: "app started: v2 spaced"), "\(run.transcript)")
    try await Task.sleep(for: .milliseconds(300))
    try project.write("src/message.txt", "v2  spaced")
    #expect(
      await run.waitUntil { run.output.filter { $0.contains("app started: v2 spaced") }.count == 2 },
      "\(run.transcript)")
    #expect(await run.waitUntil { project.read("src/message.txt") == "v2 spaced" }, "formatted again: \(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  @Test func aFormatCommandWithoutFilesIsRejectedWhereItIsWritten() async throws {
    let project = try TemporaryProject()
    try project.write(
      "pipeline.yaml",
      """
      stages:
        - stage: watch
        - stage: format
          run: gofmt -w .
      """)
    let run = try PipelineRun(["validate"], in: project.root)
    #expect(await run.exitStatus() == .exited(2))
    #expect(
      run.output.contains { $0.contains("pipeline.yaml:4:10") && $0.contains("must contain {files}") },
      "\(run.transcript)")
  }
}
