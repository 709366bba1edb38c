import Foundation
import PipelineCore
@preconcurrency import Glibc
import Testing

/// The two ways `pipeline` runs without a `pipeline-keeper` file: serving as its own keeper
/// (`pipeline __keeper --serve`), and with no keeper at all (`PIPELINE_KEEPER=none`).
@Suite(.serialized)
struct KeeperModesTests {
  /// The children of `pid`, with their command lines.
  static func children(of pid: Int32) -> [(pid: Int32, commandLine: [String])] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).compactMap { candidate in
      guard let stat = try? String(contentsOfFile: "/proc/\(candidate)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
      else { return nil }
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      guard fields.count > 1, Int32(fields[1]) == pid,
        let data = FileManager.default.contents(atPath: "/proc/\(candidate)/cmdline")
      else { return nil }
      return (candidate, data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) })
    }
  }

  @Test func withoutAKeeperFileNextToItPipelineServesAsItsOwnKeeperStartedOnce() async throws {
    let project = try AppFixture.make()
    // pipeline alone in a folder: no pipeline-keeper next to it.
    let alone = project.root + "/bin"
    try FileManager.default.createDirectory(atPath: alone, withIntermediateDirectories: true)
    let binary = alone + "/pipeline"
    if link(PipelineRun.binary, binary) != 0 { try FileManager.default.copyItem(atPath: PipelineRun.binary, toPath: binary) }
    let run = try PipelineRun(["run"], in: project.root, executable: binary)
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")
    #expect(!run.output.contains { $0.contains("without a keeper") }, "\(run.transcript)")
    let keepers = Self.children(of: run.process.commandPID).filter { $0.commandLine.dropFirst().first == "__keeper" }
    #expect(keepers.count == 1, "\(Self.children(of: run.process.commandPID))")
    #expect(keepers.first?.commandLine == [binary, "__keeper", "--serve"])
    // A second command (a restart) goes through the same keeper.
    try project.write("src/message.txt", "v2")
    #expect(await run.waitForLine(containing: "app started: v2"), "\(run.transcript)")
    #expect(Self.children(of: run.process.commandPID).filter { $0.commandLine.dropFirst().first == "__keeper" }.map(\.pid)
      == keepers.map(\.pid))

    let app = try #require(project.pid("tmp/app.pid"))
    let child = try #require(project.pid("tmp/child.pid"))
    kill(run.process.commandPID, SIGKILL)
    _ = await run.exitStatus()
    #expect(await SupervisorTests.allGone([app, child] + keepers.map(\.pid), timeout: .seconds(8)))
    #expect(project.read("tmp/lifecycle.log") == "start v1\nstop v1\nstart v2\nstop v2\n", "the app got its signal first")
  }

  @Test func withPipelineKeeperNoneItWarnsAndStartsCommandsItself() async throws {
    let project = try AppFixture.make()
    let run = try PipelineRun(["run"], in: project.root, environment: ["PIPELINE_KEEPER": "none"])
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")
    #expect(run.output.contains("warning: processes run without a keeper (PIPELINE_KEEPER is 'none'): if pipeline is killed with SIGKILL, what it started keeps running"), "\(run.transcript)")
    #expect(run.output.contains("  help: unset PIPELINE_KEEPER to have one"), "\(run.transcript)")
    let app = try #require(project.pid("tmp/app.pid"))
    // The app's group is led by a child of pipeline itself: no keeper in between.
    #expect(Self.children(of: run.process.commandPID).map(\.pid).contains(getpgid(app)), "\(Self.children(of: run.process.commandPID))")
    #expect(await run.interrupt() == .exited(0))
    #expect(project.read("tmp/lifecycle.log") == "start v1\nstop v1\n")
    #expect(await ProcessProbe.waitUntilNoneLeft(inProject: project.root).isEmpty)
  }
}
