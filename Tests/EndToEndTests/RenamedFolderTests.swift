import Foundation
import Glibc
import Testing

/// Folders renamed inside the watched tree, with native inotify (`poll: false`): the files under
/// the old name are removed, those under the new name created, and the folder stays watched.
@Suite(.serialized)
struct RenamedFolderTests {
  /// `os.makedirs('r/d1/sub'); os.rename('r/d1', 'r/e1')`: the folder is often renamed before
  /// its creation is handled, so its watch cannot be added under the old name. Files written
  /// into it later must still be seen.
  @Test func aFolderMadeAndRenamedAtOnceIsWatched() async throws {
    let project = try TemporaryProject("made-and-renamed")
    try project.write("r/.keep", "")
    try project.write("tmp/.keep", "")
    try project.write("pipeline.yaml", Self.pipeline(paths: "[.]"))
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitUntil { run.events("cycle-finished").count == 1 }, "\(run.transcript)")

    let count = 25
    for index in 0..<count {
      #expect(mkdir(project.path("r/d\(index)"), 0o755) == 0)
      #expect(mkdir(project.path("r/d\(index)/sub"), 0o755) == 0)
      #expect(rename(project.path("r/d\(index)"), project.path("r/e\(index)")) == 0)
    }
    // Once this file is reported, every event of the renames before it has been handled (the
    // kernel queues them in order), so the files below are written into folders already known.
    try project.write("r/sentinel", "x")
    #expect(await run.waitUntil { Self.reported(project).contains("r/sentinel") }, "\(run.transcript)")

    var expected: [String] = []
    for index in 0..<count {
      try project.write("r/e\(index)/sub/f", "x")
      try project.write("r/e\(index)/top", "y")
      expected += ["r/e\(index)/sub/f", "r/e\(index)/top"]
    }
    #expect(
      await run.waitUntil(timeout: .seconds(20)) { Set(expected).isSubset(of: Self.reported(project)) },
      "not reported: \(Set(expected).subtracting(Self.reported(project)).sorted())\n\(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  /// `mv src/pkg src/pkg2` with files in nested folders: every file is removed under the old
  /// name and created under the new one, so a sync stage's mirror follows, and later edits in
  /// the renamed folder are seen.
  @Test func aFolderRenamedInsideTheTreeMovesItsFiles() async throws {
    let project = try TemporaryProject("renamed-folder")
    let files = ["a.txt", "inner/b.txt", "inner/deeper/c.txt"]
    for file in files { try project.write("src/pkg/" + file, file) }
    try project.write("tmp/.keep", "")
    try project.write(
      "pipeline.yaml",
      Self.pipeline(paths: "[src]", extensions: "[txt]")
        + "  - stage: sync\n    from: src\n    target: mirror\n")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(
      await run.waitUntil { FileManager.default.fileExists(atPath: project.path("mirror/pkg/inner/deeper/c.txt")) },
      "\(run.transcript)")
    #expect(await run.waitUntil { run.events("cycle-finished").count == 1 }, "\(run.transcript)")

    #expect(rename(project.path("src/pkg"), project.path("src/pkg2")) == 0)
    let moved = files.map { "src/pkg/" + $0 } + files.map { "src/pkg2/" + $0 }
    #expect(
      await run.waitUntil { Set(moved).isSubset(of: Self.reported(project)) },
      "not reported: \(Set(moved).subtracting(Self.reported(project)).sorted())\n\(run.transcript)")
    #expect(
      await run.waitUntil {
        files.allSatisfy { project.read("mirror/pkg2/" + $0) == $0 }
          && Self.files(under: project.path("mirror/pkg")).isEmpty
      }, "the mirror follows the rename: \(run.transcript)")

    // The watches followed the folder.
    try project.write("src/pkg2/inner/deeper/d.txt", "new")
    #expect(
      await run.waitUntil { Self.reported(project).contains("src/pkg2/inner/deeper/d.txt") }, "\(run.transcript)")
    #expect(await run.waitUntil { project.read("mirror/pkg2/inner/deeper/d.txt") == "new" }, "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  /// A generator that writes `gen.tmp/`, removes `gen`, then renames `gen.tmp` to `gen`: what
  /// is on disk at the end is `gen/*`, so the last word on each of those paths is not `removed`.
  @Test func aFolderReplacedByARenameEndsPresent() async throws {
    let project = try TemporaryProject("replaced-folder")
    try project.write("src/gen/out.txt", "old")
    try project.write("tmp/.keep", "")
    try project.write(
      "pipeline.yaml", Self.pipeline(paths: "[src]") + "  - stage: sync\n    from: src\n    target: mirror\n")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitUntil { project.read("mirror/gen/out.txt") == "old" }, "\(run.transcript)")
    #expect(await run.waitUntil { run.events("cycle-finished").count == 1 }, "\(run.transcript)")

    try project.write("src/gen.tmp/out.txt", "new")
    try project.write("src/gen.tmp/more/extra.txt", "extra")
    try FileManager.default.removeItem(atPath: project.path("src/gen"))
    #expect(rename(project.path("src/gen.tmp"), project.path("src/gen")) == 0)
    #expect(
      await run.waitUntil {
        project.read("mirror/gen/out.txt") == "new" && project.read("mirror/gen/more/extra.txt") == "extra"
          && !FileManager.default.fileExists(atPath: project.path("mirror/gen.tmp"))
      }, "the mirror holds what is on disk: \(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  private static func pipeline(paths: String, extensions: String? = nil) -> String {
    """
    stages:
      - stage: watch
        paths: \(paths)
        poll: false
      - stage: debounce
        window: 50ms
      - stage: filter
    \(extensions.map { "    extensions: \($0)\n" } ?? "")\
      - stage: build
        run: sh -c 'printf "%s\\n" "$PIPELINE_CHANGED_FILES" >> tmp/builds.log'

    """
  }

  /// The regular files below `folder` (an `extensions` filter drops a folder's own removal, so
  /// the mirror may keep the emptied folders).
  private static func files(under folder: String) -> [String] {
    guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return [] }
    return enumerator.compactMap { $0 as? String }.filter { relative in
      var isFolder: ObjCBool = false
      return FileManager.default.fileExists(atPath: folder + "/" + relative, isDirectory: &isFolder) && !isFolder.boolValue
    }
  }

  /// Every path a build was given so far.
  private static func reported(_ project: TemporaryProject) -> Set<String> {
    Set(project.lines("tmp/builds.log"))
  }
}
