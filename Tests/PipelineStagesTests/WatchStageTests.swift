import Foundation
import PipelineCore
@testable import PipelineStages
import Testing

@Suite struct WatchStageTests {
  @Test func emitsTheStartupBatchThenChangesRelativeToTheRoot() async throws {
    let folder = try ScratchFolder()
    try FileManager.default.createDirectory(atPath: folder.path + "/src", withIntermediateDirectories: true)
    let harness = try StageHarness(WatchStage.self, yaml: "paths: [src]", root: folder.path)
    #expect(await harness.waitUntil { harness.output.first?.isStartup == true })
    try "v1".write(toFile: folder.path + "/src/main.go", atomically: false, encoding: .utf8)
    #expect(await harness.waitUntil { harness.output.contains { $0.paths.contains("src/main.go") } })
    try await harness.finish()
  }

  @Test func initialFalseSkipsTheStartupBatch() async throws {
    let folder = try ScratchFolder()
    let harness = try StageHarness(WatchStage.self, yaml: "initial: false", root: folder.path)
    #expect(await harness.waitUntil { !harness.events(.watchReady).isEmpty })
    try "x".write(toFile: folder.path + "/a.txt", atomically: false, encoding: .utf8)
    #expect(await harness.waitUntil { !harness.output.isEmpty })
    #expect(harness.output.allSatisfy { !$0.isStartup })
    try await harness.finish()
  }

  @Test func changesInExcludedFoldersAreNotReported() async throws {
    let folder = try ScratchFolder()
    try FileManager.default.createDirectory(atPath: folder.path + "/node_modules/x", withIntermediateDirectories: true)
    let harness = try StageHarness(WatchStage.self, yaml: "initial: false", root: folder.path)
    #expect(await harness.waitUntil { !harness.events(.watchReady).isEmpty })
    try "x".write(toFile: folder.path + "/node_modules/x/index.js", atomically: false, encoding: .utf8)
    try "y".write(toFile: folder.path + "/app.js", atomically: false, encoding: .utf8)
    #expect(await harness.waitUntil { harness.output.contains { $0.paths.contains("app.js") } })
    #expect(!harness.output.contains { $0.paths.contains { $0.hasPrefix("node_modules") } })
    try await harness.finish()
  }

  @Test func aMissingFolderIsAClearError() {
    #expect(throws: Diagnostic.self) {
      try StageHarness(WatchStage.self, yaml: "paths: [does-not-exist]")
    }
  }

  // MARK: poll

  /// A made-up table: `/` on ext4 and a 9p mount over `folder/slow`.
  private func tableWithNinePMount(over folder: String) -> MountTable {
    MountTable(mountInfo: """
      1 0 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
      2 1 0:50 / \(folder.replacingOccurrences(of: " ", with: "\\040"))/slow rw,noatime - 9p share rw,trans=virtio
      """)
  }

  @Test func pollsASubfolderOnAMountWithoutEventsAndUsesInotifyElsewhere() async throws {
    let scratch = try ScratchFolder()
    let folder = try #require(MountTable.realPath(scratch.path))
    try Disk.makeFolders(folder + "/slow/pkg")
    try Disk.makeFolders(folder + "/src")
    let file = folder + "/slow/pkg/same-size.txt"
    try Disk.write(file, "aaaa")
    try Disk.setModificationTime(file, secondsAgo: 3600)
    let table = tableWithNinePMount(over: folder)
    let harness = try StageHarness(WatchStage.self, yaml: "initial: false", root: folder) {
      try WatchStage(configuration: $0, context: $1, mountTable: table)
    }
    #expect(await harness.waitUntil { !harness.events(.watchReady).isEmpty })
    let ready = try #require(harness.events(.watchReady).first)
    #expect(ready.message == "watching . (inotify; polling every 500ms under slow/ — 9p mount, events do not cross it)")
    #expect(ready.metadata["polled"] == "slow/=9p")

    try Disk.write(file, "bbbb")
    try Disk.write(folder + "/src/main.go", "x")
    #expect(await harness.waitUntil { harness.output.contains { $0.paths.contains("slow/pkg/same-size.txt") } })
    #expect(await harness.waitUntil { harness.output.contains { $0.paths.contains("src/main.go") } })
    try await harness.finish()
  }

  @Test(arguments: [("poll: false", "inotify"), ("poll: 100ms", "polling every 100ms"), ("poll: true", "polling every 500ms")])
  func otherPollSettingsStillWork(yaml: String, backend: String) async throws {
    let folder = try ScratchFolder()
    // A 9p mount that `poll: false` and `poll: <interval>` must not consult.
    let table = tableWithNinePMount(over: folder.path)
    try Disk.makeFolder(folder.path + "/slow")
    let harness = try StageHarness(WatchStage.self, yaml: "initial: false\n" + yaml, root: folder.path) {
      try WatchStage(configuration: $0, context: $1, mountTable: table)
    }
    #expect(await harness.waitUntil { !harness.events(.watchReady).isEmpty })
    #expect(harness.events(.watchReady).first?.message == "watching . (\(backend))")
    try Disk.write(folder.path + "/slow/a.txt", "x")
    #expect(await harness.waitUntil { harness.output.contains { $0.paths.contains("slow/a.txt") } })
    try await harness.finish()
  }

  // MARK: poll_cpu

  private func configuration(_ yaml: String) throws -> WatchStage.Configuration {
    guard let node = try YAMLNodeConverter.parse(yaml, file: "test.yaml"), case .mapping(let entries) = node.value else {
      throw Diagnostic(at: nil, "not a mapping")
    }
    return try WatchStage.Configuration(options: StageOptions(stageName: "watch", entries: entries, location: nil))
  }

  @Test(arguments: [("poll: true", 0.05), ("poll_cpu: 5%", 0.05), ("poll_cpu: 0.5%", 0.005), ("poll_cpu: 100%", 1.0), ("poll_cpu: \"20%\"", 0.2)])
  func pollCPUReadsAPercentage(yaml: String, fraction: Double) throws {
    #expect(try configuration(yaml).pollingCPU.fraction == fraction)
  }

  @Test func pollCPUOf100PercentScansEverythingEveryRound() throws {
    #expect(try configuration("poll_cpu: 100%").pollingCPU.watcherBudget == nil)
    #expect(try configuration("poll_cpu: 5%").pollingCPU.watcherBudget == 0.05)
  }

  @Test(arguments: [
    ("poll_cpu: 5", "test.yaml:1:11: error: 'poll_cpu' must be a percentage like 5%, got '5'"),
    ("poll_cpu: lots", "test.yaml:1:11: error: 'poll_cpu' must be a percentage like 5%, got 'lots'"),
    ("poll_cpu: [5%]", "test.yaml:1:11: error: 'poll_cpu' must be a percentage like 5%, got a list"),
    ("poll_cpu: 0%", "test.yaml:1:11: error: 'poll_cpu' must be more than 0% and at most 100%, got '0%'"),
    ("poll_cpu: 150%", "test.yaml:1:11: error: 'poll_cpu' must be more than 0% and at most 100%, got '150%'"),
    ("poll_cpu: -5%", "test.yaml:1:11: error: 'poll_cpu' must be more than 0% and at most 100%, got '-5%'"),
  ])
  func aBadPollCPUIsAClearErrorAtItsPlace(yaml: String, expected: String) {
    do {
      _ = try configuration(yaml)
      Issue.record("\(yaml) was accepted")
    } catch {
      let text = "\(error)"
      #expect(text.hasPrefix(expected), "\(text)")
      #expect(text.contains("help: "), "\(text)")
    }
  }

  @Test(arguments: [
    ("poll: \"true\"", "help: write true without quotes: a quoted value is text"),
    ("poll: 5ms", "help: use 10ms or more; 100ms or more keeps polling cheap on a big tree"),
    ("poll: sometimes", "help: poll: auto polls only mounts without events"),
  ])
  func aBadPollSaysHowToWriteIt(yaml: String, help: String) {
    #expect(throws: Diagnostic.self) { try configuration(yaml) }
    do {
      _ = try configuration(yaml)
    } catch {
      #expect("\(error)".contains(help), "\(error)")
    }
  }

  @Test func everyWatchPathThatIsNotAFolderIsNamedInOneError() async throws {
    try await withTemporaryFolder { folder in
      try Disk.makeFolder(folder.path + "/lib")
      do {
        _ = try StageHarness(WatchStage.self, yaml: "paths: [src, lib, docs]", root: folder.path)
        Issue.record("missing folders were accepted")
      } catch {
        #expect("\(error)".contains("watch paths 'src' (\(folder.path)/src), 'docs' (\(folder.path)/docs) are not folders"), "\(error)")
      }
    }
  }

  /// `poll: auto` polls mounts without events within the same budget: a tiny one still sees an
  /// edit in place there, through the rotation.
  @Test func autoPollingUsesTheBudgetToo() async throws {
    let scratch = try ScratchFolder()
    let folder = try #require(MountTable.realPath(scratch.path))
    for index in 0..<6 {
      try Disk.makeFolders(folder + "/slow/d\(index)")
      for file in 0..<5 {
        try Disk.write(folder + "/slow/d\(index)/f\(file).txt", "aaaa")
        try Disk.setModificationTime(folder + "/slow/d\(index)/f\(file).txt", secondsAgo: 3600)
      }
      try Disk.setModificationTime(folder + "/slow/d\(index)", secondsAgo: 3600)
    }
    let table = tableWithNinePMount(over: folder)
    let harness = try StageHarness(WatchStage.self, yaml: "initial: false\npoll_cpu: 0.01%", root: folder) {
      try WatchStage(configuration: $0, context: $1, mountTable: table)
    }
    #expect(await harness.waitUntil { !harness.events(.watchReady).isEmpty })
    try Disk.write(folder + "/slow/d4/f2.txt", "bbbb")
    #expect(await harness.waitUntil(timeout: .seconds(60)) { harness.output.contains { $0.paths.contains("slow/d4/f2.txt") } })
    try await harness.finish()
  }

  // MARK: Losing track

  /// A watched folder removed and made again: a warning, a rescan batch, and its changes seen.
  @Test func aWatchedFolderRemovedAndMadeAgainGivesARescanBatch() async throws {
    let folder = try ScratchFolder()
    try Disk.makeFolders(folder.path + "/src")
    let harness = try StageHarness(WatchStage.self, yaml: "paths: [src]\ninitial: false", root: folder.path)
    #expect(await harness.waitUntil { !harness.events(.watchReady).isEmpty })
    try Disk.remove(folder.path + "/src")
    #expect(await harness.waitUntil { harness.events(.warning).contains { $0.message?.contains("is gone") == true } })
    try Disk.makeFolders(folder.path + "/src")
    #expect(await harness.waitUntil { harness.output.contains(where: \.isRescan) })
    try Disk.write(folder.path + "/src/later.go", "x")
    #expect(await harness.waitUntil { harness.output.contains { $0.paths.contains("src/later.go") } })
    try await harness.finish()
  }

  // MARK: hold_during_git

  /// A repository whose branches `main` and `other` differ in 200 files, made on a thread of
  /// its own: its 400 writes and git's own files would hold a worker thread of the test pool.
  private func repositoryWithTwoBranches() async throws -> (ScratchFolder, [String]) {
    try await onOwnThread { try Self.makeRepositoryWithTwoBranches() }
  }

  private static func makeRepositoryWithTwoBranches() throws -> (ScratchFolder, [String]) {
    let repo = try ScratchFolder()
    try Git.run(["init", "-q"], in: repo.path)
    try Disk.makeFolders(repo.path + "/files/nested")
    let files = (0..<200).map { index in index < 100 ? "files/f\(index).txt" : "files/nested/f\(index).txt" }
    for file in files { try Disk.write(repo.path + "/" + file, "main \(file)\n") }
    try Git.commitAll("main", in: repo.path)
    try Git.run(["checkout", "-q", "-b", "other"], in: repo.path)
    for file in files { try Disk.write(repo.path + "/" + file, "other branch \(file)\n") }
    try Git.commitAll("other", in: repo.path)
    try Git.run(["checkout", "-q", "main"], in: repo.path)
    return (repo, files)
  }

  @Test(.timeLimit(.minutes(1)))
  func aCheckoutOf200FilesIsOneBatch() async throws {
    let (repo, files) = try await repositoryWithTwoBranches()
    let harness = try StageHarness(WatchStage.self, yaml: "initial: false", root: repo.path)
    #expect(await harness.waitUntil { !harness.events(.watchReady).isEmpty })
    #expect(harness.events(.watchReady).first?.metadata["git_dir"] == repo.path + "/.git")

    try Git.run(["checkout", "-q", "other"], in: repo.path)
    #expect(await harness.waitUntil { !harness.output.isEmpty })
    // Nothing more comes: give a second batch the time to show up.
    try await Task.sleep(for: .milliseconds(500))
    #expect(harness.output.count == 1, "\(harness.output)")
    #expect(Set(harness.output.first?.paths ?? []) == Set(files))
    #expect(harness.events(.changesHeld).count == 1)
    #expect(harness.events(.changesHeld).first?.message == "git is updating the work tree (index.lock exists): holding changes until it is done")
    #expect(harness.events(.changesReleased).first?.message == "git is done: sending 200 held changes as one batch")

    // Then an edit goes on at once, alone (its events may span two reads: two batches).
    try Disk.write(repo.path + "/files/f1.txt", "edited")
    #expect(await harness.waitUntil { harness.output.count >= 2 })
    #expect(harness.output.dropFirst().allSatisfy { $0.paths == ["files/f1.txt"] }, "\(harness.output)")
    try await harness.finish()
  }

  /// A merge that stops on a conflict leaves MERGE_HEAD while the user resolves it by hand:
  /// the merge's own changes go on once git is quiet, and the user's edits are not held.
  @Test(.timeLimit(.minutes(1)))
  func aConflictedMergeDoesNotHoldLaterEdits() async throws {
    let repo = try ScratchFolder()
    try Git.run(["init", "-q"], in: repo.path)
    try Disk.write(repo.path + "/conflict.txt", "base\n")
    try Git.commitAll("base", in: repo.path)
    try Git.run(["checkout", "-q", "-b", "other"], in: repo.path)
    try Disk.write(repo.path + "/conflict.txt", "other\n")
    try Disk.write(repo.path + "/clean.txt", "from other\n")
    try Git.commitAll("other", in: repo.path)
    try Git.run(["checkout", "-q", "main"], in: repo.path)
    try Disk.write(repo.path + "/conflict.txt", "main\n")
    try Git.commitAll("main", in: repo.path)

    let harness = try StageHarness(WatchStage.self, yaml: "initial: false", root: repo.path)
    #expect(await harness.waitUntil { !harness.events(.watchReady).isEmpty })
    #expect(try Git.run(["merge", "-q", "other"], in: repo.path, check: false) != 0)
    #expect(FileManager.default.fileExists(atPath: repo.path + "/.git/MERGE_HEAD"))
    #expect(await harness.waitUntil { harness.output.contains { $0.paths.contains("conflict.txt") } })
    #expect(harness.output.first.map { Set($0.paths) } == ["conflict.txt", "clean.txt"], "\(harness.output)")
    #expect(harness.events(.changesReleased).first?.message?.hasPrefix("git merge is waiting for you (MERGE_HEAD is left)") == true)

    // Resolving by hand: each save goes on, with MERGE_HEAD still there.
    let clock = ContinuousClock()
    let saved = clock.now
    try Disk.write(repo.path + "/conflict.txt", "resolved\n")
    #expect(await harness.waitUntil { harness.output.count >= 2 })
    // Held, it would wait for git: MERGE_HEAD stays, so it would never come (changesHeld below).
    #expect(saved.duration(to: clock.now) < .seconds(5), "not held")
    #expect(harness.output.dropFirst().allSatisfy { $0.paths == ["conflict.txt"] }, "\(harness.output)")
    #expect(harness.events(.changesHeld).count == 1)
    #expect(FileManager.default.fileExists(atPath: repo.path + "/.git/MERGE_HEAD"))
    try await harness.finish()
  }

  /// Makes, in `folder`, the branches `main` and `other`, differing in 200 files, and leaves
  /// `main` checked out.
  private func makeTwoBranches(in folder: String) throws -> [String] {
    try Disk.makeFolders(folder + "/files/nested")
    let files = (0..<200).map { index in index < 100 ? "files/f\(index).txt" : "files/nested/f\(index).txt" }
    for file in files { try Disk.write(folder + "/" + file, "main \(file)\n") }
    try Git.run(["init", "-q"], in: folder)
    try Git.commitAll("main", in: folder)
    try Git.run(["checkout", "-q", "-b", "other"], in: folder)
    for file in files { try Disk.write(folder + "/" + file, "other branch \(file)\n") }
    try Git.commitAll("other", in: folder)
    try Git.run(["checkout", "-q", "main"], in: folder)
    return files
  }

  /// `git init` after the start: the `.git` is found as it appears, and a checkout is then held
  /// and sent as one batch, as with a repository there from the start.
  @Test(.timeLimit(.minutes(1)))
  func aRepositoryMadeAfterTheStartHoldsACheckout() async throws {
    let folder = try ScratchFolder()
    let harness = try StageHarness(WatchStage.self, yaml: "initial: false", root: folder.path)
    #expect(await harness.waitUntil { !harness.events(.watchReady).isEmpty })
    #expect(harness.events(.watchReady).first?.metadata["git_dir"] == nil)
    let files = try makeTwoBranches(in: folder.path)
    #expect(await harness.waitUntil { !harness.output.isEmpty })
    // Let the last writes of the set-up go out before counting.
    try await Task.sleep(for: .milliseconds(500))
    let before = harness.output.count

    try Git.run(["checkout", "-q", "other"], in: folder.path)
    #expect(await harness.waitUntil { harness.output.count > before })
    try await Task.sleep(for: .milliseconds(500))
    #expect(harness.output.count == before + 1, "\(harness.output.dropFirst(before))")
    #expect(Set(harness.output.last?.paths ?? []) == Set(files))
    #expect(harness.events(.changesReleased).last?.message == "git is done: sending 200 held changes as one batch")
    try await harness.finish()
  }

  /// With polling, no event says that `.git` appeared: the next batch looks for it.
  @Test(.timeLimit(.minutes(1)))
  func pollingFindsARepositoryMadeAfterTheStart() async throws {
    let folder = try ScratchFolder()
    let harness = try StageHarness(WatchStage.self, yaml: "initial: false\npoll: 50ms", root: folder.path)
    #expect(await harness.waitUntil { !harness.events(.watchReady).isEmpty })
    try Git.run(["init", "-q"], in: folder.path)
    try Disk.write(folder.path + "/.git/index.lock", "")
    try Disk.write(folder.path + "/f1.txt", "new")
    #expect(await harness.waitUntil { !harness.events(.changesHeld).isEmpty })
    try Disk.write(folder.path + "/f2.txt", "new")
    try await Task.sleep(for: .milliseconds(300))
    #expect(harness.output.isEmpty)
    try Disk.remove(folder.path + "/.git/index.lock")
    #expect(await harness.waitUntil { !harness.output.isEmpty })
    #expect(Set(harness.output.first?.paths ?? []) == ["f1.txt", "f2.txt"])
    try await harness.finish()
  }

  /// A git dir deleted while changes are held: they go on, and later changes are not held.
  @Test(.timeLimit(.minutes(1)))
  func aRepositoryDeletedWhileHoldingStopsHolding() async throws {
    let (repo, _) = try await repositoryWithTwoBranches()
    let harness = try StageHarness(WatchStage.self, yaml: "initial: false", root: repo.path)
    #expect(await harness.waitUntil { !harness.events(.watchReady).isEmpty })
    try Disk.write(repo.path + "/.git/index.lock", "")
    try Disk.write(repo.path + "/files/f1.txt", "edited")
    #expect(await harness.waitUntil { !harness.events(.changesHeld).isEmpty })
    #expect(harness.output.isEmpty)

    try FileManager.default.removeItem(atPath: repo.path + "/.git")
    #expect(await harness.waitUntil { !harness.output.isEmpty })
    #expect(harness.output.first?.paths == ["files/f1.txt"])
    try Disk.write(repo.path + "/files/f2.txt", "edited")
    #expect(await harness.waitUntil { harness.output.count >= 2 })
    #expect(harness.output.dropFirst().allSatisfy { $0.paths == ["files/f2.txt"] }, "\(harness.output)")
    #expect(harness.events(.changesHeld).count == 1)
    try await harness.finish()
  }

  @Test func holdDuringGitFalseSendsAtOnce() async throws {
    let (repo, _) = try await repositoryWithTwoBranches()
    let harness = try StageHarness(WatchStage.self, yaml: "initial: false\nhold_during_git: false", root: repo.path)
    #expect(await harness.waitUntil { !harness.events(.watchReady).isEmpty })
    #expect(harness.events(.watchReady).first?.metadata["git_dir"] == nil)
    try Disk.write(repo.path + "/.git/index.lock", "")
    try Disk.write(repo.path + "/files/f1.txt", "edited")
    #expect(await harness.waitUntil { !harness.output.isEmpty })
    #expect(harness.events(.changesHeld).isEmpty)
    try await harness.finish()
  }

  /// With polling, git's state is read with stat(): a lock held by hand holds the changes until
  /// it goes.
  @Test func pollingHoldsChangesWhileTheLockExists() async throws {
    let (repo, _) = try await repositoryWithTwoBranches()
    let harness = try StageHarness(WatchStage.self, yaml: "initial: false\npoll: 50ms", root: repo.path)
    #expect(await harness.waitUntil { !harness.events(.watchReady).isEmpty })
    try Disk.write(repo.path + "/.git/index.lock", "")
    try Disk.write(repo.path + "/files/f1.txt", "edited")
    #expect(await harness.waitUntil { !harness.events(.changesHeld).isEmpty })
    try Disk.write(repo.path + "/files/f2.txt", "edited")
    try await Task.sleep(for: .milliseconds(300))
    #expect(harness.output.isEmpty)
    try Disk.remove(repo.path + "/.git/index.lock")
    #expect(await harness.waitUntil { !harness.output.isEmpty })
    #expect(Set(harness.output.first?.paths ?? []) == ["files/f1.txt", "files/f2.txt"])
    try await harness.finish()
  }
}
