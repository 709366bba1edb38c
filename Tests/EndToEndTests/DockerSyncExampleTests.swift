import Foundation
import Testing

/// pipelines/docker-sync on the real binary, with a fake `docker` that records each call
/// and what the container's folder held at that moment: the container is started once,
/// then each change is mirrored into its folder *before* it is restarted.
@Suite(.serialized)
struct DockerSyncExampleTests {
  static let example = RepositoryFilesTests.repository + "/pipelines/docker-sync"

  /// Records its arguments, and a copy of the synced server.js, one numbered line per call.
  static let fakeDocker = """
    #!/bin/sh
    n=$(( $(cat docker.log 2>/dev/null | wc -l) + 1 ))
    cp .sync/app/server.js "seen-$n.js" 2>/dev/null
    echo "$*" >> docker.log
    """

  @Test func changesReachTheContainersFolderBeforeItRestarts() async throws {
    let project = try TemporaryProject("docker-sync")
    for file in ["pipeline.yaml", "compose.yaml", "app/server.js", "app/package.json"] {
      try project.write(file, try String(contentsOfFile: Self.example + "/" + file, encoding: .utf8))
    }
    try project.write("app/node_modules/dep/index.js", "module.exports = 1")
    try project.write("fake-docker", Self.fakeDocker, executable: true)
    let run = try PipelineRun(["run"], in: project.root, environment: ["DOCKER": project.path("fake-docker")])

    #expect(await run.waitUntil { project.lines("docker.log").count == 1 }, "\(run.transcript)")
    #expect(project.lines("docker.log") == ["compose up --detach app"])
    #expect(project.read("seen-1.js")?.contains("hello from the container") == true, "synced before the start")
    #expect(project.read(".sync/app/node_modules/dep/index.js") == nil, "node_modules stays the container's own")

    let edited = try #require(project.read("app/server.js")).replacingOccurrences(of: "hello from the container", with: "edited on the host")
    try project.replace("app/server.js", edited)
    #expect(await run.waitUntil { project.lines("docker.log").count >= 2 }, "\(run.transcript)")
    #expect(project.lines("docker.log").last == "compose restart app")
    #expect(project.read("seen-2.js")?.contains("edited on the host") == true, "the new code was in place before the restart")

    // Saved by renaming, like the edit above: one save, one change, however loaded the machine.
    try project.replace("app/extra.js", "// helper")
    #expect(await run.waitUntil { project.lines("docker.log").count >= 3 }, "\(run.transcript)")
    #expect(project.read(".sync/app/extra.js") == "// helper")
    try FileManager.default.removeItem(atPath: project.path("app/extra.js"))
    #expect(await run.waitUntil { project.lines("docker.log").count >= 4 }, "\(run.transcript)")
    #expect(project.read(".sync/app/extra.js") == nil, "a removal is mirrored")
    #expect(await run.interrupt() == .exited(0))
  }
}
