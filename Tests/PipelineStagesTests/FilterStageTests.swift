import Foundation
import PipelineCore
@testable import PipelineStages
import Testing

@Suite(.timeLimit(.minutes(1))) struct FilterStageTests {
  // MARK: - include, exclude, extensions, exclude_dirs

  @Test func keepsIncludedAndDropsExcludedPaths() async throws {
    try await withFilterFolder { folder in
      let harness = try await folder.filter(#"{include: ["**/*.go"], exclude: ["tmp/**", "**/*_test.go"]}"#)
      harness.send(modified("main.go", "api/h.go", "api/h_test.go", "tmp/x.go", "README.md"))
      #expect(await harness.waitUntil { harness.output.count == 1 })
      #expect(harness.output == [modified("main.go", "api/h.go")])
      try await harness.finish()
    }
  }

  @Test func aBatchWithNothingLeftGoesNoFurtherAndSaysWhy() async throws {
    try await withFilterFolder { folder in
      let harness = try await folder.filter(#"{include: ["**/*.go"], exclude: ["**/*_test.go"]}"#)
      harness.send(modified("notes.txt", "a_test.go", "b.md", "c.md", "d.md"))
      #expect(
        await harness.droppedMessage()
          == "not in include or extensions: notes.txt, b.md, c.md, … (1 more); matched exclude: a_test.go")
      #expect(harness.output.isEmpty)
      try await harness.finish()
    }
  }

  @Test func theStartupBatchAlwaysPasses() async throws {
    try await withFilterFolder { folder in
      let harness = try await folder.filter(#"include: ["**/*.go"]"#)
      harness.send(.startup)
      #expect(await harness.waitUntil { harness.output.count == 1 })
      #expect(harness.output == [.startup])
      try await harness.finish()
    }
  }

  @Test func noIncludeKeepsEverything() async throws {
    try await withFilterFolder { folder in
      let harness = try await folder.filter()
      harness.send(modified("a", "b/c"))
      #expect(await harness.waitUntil { harness.output.count == 1 })
      #expect(harness.output == [modified("a", "b/c")])
      try await harness.finish()
    }
  }

  @Test func extensionsKeepOnlyFilesWithThem() async throws {
    try await withFilterFolder { folder in
      let harness = try await folder.filter("extensions: [go, .tmpl]")
      harness.send(modified("main.go", "web/page.tmpl", "README.md", "go", ".go", "x.gohtml", "archive.go.bak"))
      #expect(await harness.waitUntil { harness.output.count == 1 })
      #expect(harness.output == [modified("main.go", "web/page.tmpl")])
      try await harness.finish()
    }
  }

  @Test func extensionsAndIncludeCombineAsOr() async throws {
    try await withFilterFolder { folder in
      let harness = try await folder.filter(#"{include: ["docs/**"], extensions: [go], exclude: ["docs/draft.md"]}"#)
      harness.send(modified("docs/a.md", "b.go", "c.md", "docs/draft.md"))
      #expect(await harness.waitUntil { harness.output.count == 1 })
      #expect(harness.output == [modified("docs/a.md", "b.go")])
      try await harness.finish()
    }
  }

  @Test(arguments: ["\"\"", "\".\"", "a/b", "\"*.go\"", "go?"])
  func anInvalidExtensionIsAnError(_ written: String) throws {
    #expect(throws: Diagnostic.self) { try StageHarness(FilterStage.self, yaml: "extensions: [\(written)]") }
    #expect(throws: Diagnostic.self) {
      try StageHarness(FormatStage.self, yaml: "run: [gofmt, -w, \"{files}\"]\nextensions: [\(written)]")
    }
  }

  /// `exclude_dirs` takes names as written: a glob would match no folder, silently.
  @Test(arguments: ["**/gen", "*.cache", "build/?"])
  func aGlobInExcludeDirsIsAnErrorThatPointsToExclude(_ entry: String) throws {
    let error = #expect(throws: Diagnostic.self) { try StageHarness(FilterStage.self, yaml: "exclude_dirs: [\"\(entry)\"]") }
    #expect(error?.description.contains("is a glob") == true)
    #expect(error?.description.contains("exclude: [\"**/gen/**\"]") == true)
    #expect(throws: Diagnostic.self) { try StageHarness(WatchStage.self, yaml: "exclude_dirs: [\"\(entry)\"]") }
  }

  @Test func excludeDirsDropsWhatIsInsideThoseFolders() async throws {
    try await withFilterFolder { folder in
      let harness = try await folder.filter("exclude_dirs: [tmp, build/out/, ./gen]")
      harness.send(
        modified(
          "tmp/a.go", "api/tmp/b.go", "build/out/x", "sub/build/out/x", "build/other", "tmp", "tmpfile",
          "gen/c.go", "api/gen/d.go"))
      #expect(await harness.waitUntil { harness.output.count == 1 })
      #expect(harness.output == [modified("sub/build/out/x", "build/other", "tmp", "tmpfile", "api/gen/d.go")])
      try await harness.finish()
    }
  }

  @Test(arguments: ["/abs", ".", "./", ""])
  func anExcludeDirsEntryMustNameAFolderBelow(_ entry: String) throws {
    #expect(throws: Diagnostic.self) { try StageHarness(FilterStage.self, yaml: "exclude_dirs: [\"\(entry)\"]") }
  }

  // MARK: - Editor files

  @Test(arguments: [
    "src/.main.go.swp", "src/.main.go.swo", "src/.main.go.swx", "src/main.go~", "src/.#main.go", "src/#main.go#",
    "src/4913", "src/.main.go.kate-swp", "src/main.go___jb_tmp___", "src/main.go___jb_old___",
    "src/.goutputstream-Q3ZP1Z", "src/main.go.tmp.48213",
  ])
  func editorFilesAreDropped(_ noise: String) async throws {
    try await withFilterFolder { folder in
      let harness = try await folder.filter()
      harness.send(modified(noise, "src/main.go"))
      harness.send(modified(noise))
      #expect(await harness.droppedMessage() == "editor file: \(noise)")
      #expect(await harness.waitUntil { harness.output.count == 1 })
      #expect(harness.output == [modified("src/main.go")])
      try await harness.finish()
    }
  }

  @Test func editorFilesAreKeptOnRequest() async throws {
    try await withFilterFolder { folder in
      let harness = try await folder.filter("editor_noise: keep")
      harness.send(modified(".main.go.swp", "main.go~"))
      #expect(await harness.waitUntil { harness.output.count == 1 })
      #expect(harness.output == [modified(".main.go.swp", "main.go~")])
      try await harness.finish()
    }
  }

  // MARK: - Content

  @Test func anAtomicSaveIsOneModificationOfTheRealFile() async throws {
    try await withFilterFolder { folder in
      try folder.write("main.go", "package main // v1\n")
      let harness = try await folder.filter()
      #expect(await harness.startAndAwaitBaseline())
      // gedit: write .goutputstream-XXXX, rename it over main.go. After debounce: the temp
      // file created then removed (removed), main.go removed-and-created reported as created.
      try folder.write(".goutputstream-Q3ZP1Z", "package main // v2\n", secondsAgo: 0)
      try Disk.rename(folder.root + "/.goutputstream-Q3ZP1Z", folder.root + "/main.go")
      harness.send(batch((".goutputstream-Q3ZP1Z", .removed), ("main.go", .created)))
      #expect(await harness.waitUntil { harness.output.count == 2 })
      #expect(harness.output.last == batch(("main.go", .modified)))
      try await harness.finish()
    }
  }

  @Test func anAtomicSaveWithoutEditsIsDropped() async throws {
    try await withFilterFolder { folder in
      try folder.write("main.go", "package main\n")
      let harness = try await folder.filter()
      #expect(await harness.startAndAwaitBaseline())
      try folder.write("main.go___jb_tmp___", "package main\n", secondsAgo: 0)
      try Disk.rename(folder.root + "/main.go___jb_tmp___", folder.root + "/main.go")
      harness.send(batch(("main.go___jb_tmp___", .removed), ("main.go", .created)))
      #expect(await harness.droppedMessage() == "editor file: main.go___jb_tmp___; unchanged content: main.go")
      #expect(harness.output == [.startup])
      try await harness.finish()
    }
  }

  @Test func aTouchIsDropped() async throws {
    try await withFilterFolder { folder in
      try folder.write("main.go", "package main\n")
      let harness = try await folder.filter()
      #expect(await harness.startAndAwaitBaseline())
      try folder.touch("main.go")
      harness.send(modified("main.go"))
      #expect(await harness.droppedMessage() == "unchanged content: main.go")
      #expect(harness.output == [.startup])
      try await harness.finish()
    }
  }

  @Test func aRealEditPassesAndBecomesTheNewBaseline() async throws {
    try await withFilterFolder { folder in
      try folder.write("main.go", "package main\n")
      let harness = try await folder.filter()
      #expect(await harness.startAndAwaitBaseline())
      try folder.write("main.go", "package main\n\nfunc main() {}\n", secondsAgo: 0)
      harness.send(modified("main.go"))
      #expect(await harness.waitUntil { harness.output.count == 2 })
      harness.send(modified("main.go"))
      #expect(await harness.droppedMessage() == "unchanged content: main.go")
      #expect(harness.output == [.startup, modified("main.go")])
      try await harness.finish()
    }
  }

  @Test func aSaveWithTheSameContentIsDropped() async throws {
    try await withFilterFolder { folder in
      try folder.write("main.go", "package main\n")
      let harness = try await folder.filter()
      try folder.write("main.go", "package main // edited\n", secondsAgo: 0)
      harness.send(modified("main.go"))
      #expect(await harness.waitUntil { harness.output.count == 1 })
      try folder.write("main.go", "package main // edited\n", secondsAgo: 0)
      harness.send(modified("main.go"))
      #expect(await harness.droppedMessage() == "unchanged content: main.go")
      #expect(harness.output == [modified("main.go")])
      try await harness.finish()
    }
  }

  @Test func aFileWithNoBaselinePasses() async throws {
    try await withFilterFolder { folder in
      let harness = try await folder.filter()
      #expect(await harness.startAndAwaitBaseline())
      // Written after the baseline started, and the baseline skips node_modules.
      try folder.write("late.go", "package main\n", secondsAgo: 0)
      try folder.write("node_modules/x.js", "x\n")
      harness.send(modified("late.go", "node_modules/x.js"))
      #expect(await harness.waitUntil { harness.output.count == 2 })
      #expect(harness.output == [.startup, modified("late.go", "node_modules/x.js")])
      try await harness.finish()
    }
  }

  @Test func createdAndRemovedFilesAlwaysPass() async throws {
    try await withFilterFolder { folder in
      let harness = try await folder.filter()
      try folder.write("new.go", "package main\n", secondsAgo: 0)
      harness.send(batch(("new.go", .created)))
      #expect(await harness.waitUntil { harness.output.count == 1 })
      try Disk.remove(folder.root + "/new.go")
      harness.send(batch(("new.go", .removed)))
      #expect(await harness.waitUntil { harness.output.count == 2 })
      // Back with the same content: the removal was let through, so this is news.
      try folder.write("new.go", "package main\n", secondsAgo: 0)
      harness.send(batch(("new.go", .created)))
      #expect(await harness.waitUntil { harness.output.count == 3 })
      #expect(harness.output == [batch(("new.go", .created)), batch(("new.go", .removed)), batch(("new.go", .created))])
      try await harness.finish()
    }
  }

  @Test func aFileMadeAndRemovedWithinTheBatchIsDroppedButARealRemovalPasses() async throws {
    try await withFilterFolder { folder in
      let harness = try await folder.filter()
      try folder.write("main.go", "package main\n", secondsAgo: 0)
      // `sed -i`: a temporary file made, written and renamed over the real one.
      harness.send(Batch([
        Change(path: "sedX1", kind: .created, appearedInBatch: true), Change(path: "sedX1", kind: .removed),
        Change(path: "main.go", kind: .created),
      ]))
      // A file renamed into place and then removed may have replaced one: that removal passes.
      harness.send(Batch([Change(path: "old.go", kind: .created), Change(path: "old.go", kind: .removed)]))
      #expect(await harness.waitUntil { harness.output.count == 2 })
      #expect(harness.output == [batch(("main.go", .created)), batch(("old.go", .removed))])

      harness.send(Batch([Change(path: "e.txt", kind: .created, appearedInBatch: true), Change(path: "e.txt", kind: .removed)]))
      #expect(await harness.waitUntil { harness.events.contains { $0.kind == .batchDropped } })
      #expect(harness.events.last { $0.kind == .batchDropped }?.message == "made and removed again: e.txt")
      #expect(harness.output.count == 2)
      try await harness.finish()
    }
  }

  @Test func unchangedKeepReadsNoContent() async throws {
    try await withFilterFolder { folder in
      try folder.write("main.go", "package main\n")
      let harness = try await folder.filter("unchanged: keep")
      harness.send(.startup)
      harness.send(modified("main.go"))
      harness.send(batch(("main.go", .created)))
      #expect(await harness.waitUntil { harness.output.count == 3 })
      #expect(harness.output == [.startup, modified("main.go"), batch(("main.go", .created))])
      #expect(harness.events(.filterBaseline).isEmpty)
      try await harness.finish()
    }
  }

  /// With `initial: false` there is no startup batch: the baseline starts with the stage.
  @Test func withoutAStartupBatchTheFirstTouchIsStillDropped() async throws {
    try await withFilterFolder { folder in
      try folder.write("main.go", "package main\n")
      let harness = try await folder.filter()
      #expect(await harness.waitUntil { harness.events(.filterBaseline).contains { $0.metadata["ending"] == "complete" } })
      harness.send(modified("main.go"))
      #expect(await harness.droppedMessage() == "unchanged content: main.go")
      #expect(harness.output.isEmpty)
      try await harness.finish()
    }
  }

  @Test func aChangeToAFIFOIsDropped() async throws {
    try await withFilterFolder { folder in
      #expect(mkfifo(folder.root + "/pipe", 0o644) == 0)
      let harness = try await folder.filter("unchanged: keep")
      harness.send(modified("pipe"))
      #expect(await harness.droppedMessage() == "not a file or folder (a FIFO, a socket or a device): pipe")
      try await harness.finish()
    }
  }

  @Test func aRescanBatchPassesAndRenewsTheBaseline() async throws {
    try await withFilterFolder { folder in
      try folder.write("main.go", "v1\n")
      let harness = try await folder.filter()
      #expect(await harness.startAndAwaitBaseline())
      // Changed while the watcher lost track; the rescan makes the new content the baseline.
      try folder.write("main.go", "v2\n")
      harness.send(Batch(isRescan: true))
      #expect(await harness.waitUntil { harness.events(.filterBaseline).count == 2 })
      harness.send(modified("main.go"))
      #expect(await harness.droppedMessage() == "unchanged content: main.go")
      #expect(harness.output == [.startup, Batch(isRescan: true)])
      try await harness.finish()
    }
  }

  // MARK: - .gitignore

  @Test func gitignoredPathsAreDroppedAndSaySo() async throws {
    try await withFilterFolder { folder in
      try folder.write(".gitignore", "*.log\n")
      let harness = try await folder.filter()
      harness.send(modified("x.log", "main.go"))
      harness.send(modified("x.log"))
      #expect(await harness.droppedMessage() == "ignored by .gitignore: x.log")
      #expect(await harness.waitUntil { harness.output.count == 1 })
      #expect(harness.output == [modified("main.go")])
      try await harness.finish()
    }
  }

  @Test func gitignoreFalseKeepsIgnoredPaths() async throws {
    try await withFilterFolder { folder in
      try folder.write(".gitignore", "*.log\n")
      let harness = try await folder.filter("gitignore: false")
      harness.send(modified("x.log"))
      #expect(await harness.waitUntil { harness.output.count == 1 })
      #expect(harness.output == [modified("x.log")])
      try await harness.finish()
    }
  }

  @Test func anEditedGitignoreIsReloadedAndPasses() async throws {
    try await withFilterFolder { folder in
      try folder.write(".gitignore", "*.log\n")
      try folder.write("sub/.gitignore", "*.tmp\n")
      let harness = try await folder.filter()
      harness.send(modified("a.log", "sub/b.tmp"))
      #expect(await harness.droppedMessage() == "ignored by .gitignore: a.log, sub/b.tmp")

      try folder.write(".gitignore", "*.txt\n", secondsAgo: 0)
      try Disk.remove(folder.root + "/sub/.gitignore")
      harness.send(batch((".gitignore", .modified), ("sub/.gitignore", .removed), ("a.log", .modified), ("c.txt", .modified)))
      #expect(await harness.waitUntil { harness.output.count == 1 })
      harness.send(modified("a.log", "sub/b.tmp", "c.txt"))
      #expect(await harness.waitUntil { harness.output.count == 2 })
      #expect(
        harness.output == [
          batch((".gitignore", .modified), ("sub/.gitignore", .removed), ("a.log", .modified)),
          modified("a.log", "sub/b.tmp"),
        ])
      try await harness.finish()
    }
  }

  @Test func aGitignoreInAnIgnoredFolderIsDropped() async throws {
    try await withFilterFolder { folder in
      try folder.write(".gitignore", "node_modules/\n.gitignore\n")
      try folder.write("node_modules/p/.gitignore", "x\n")
      let harness = try await folder.filter()
      try folder.write(".gitignore", "node_modules/\n.gitignore\n*.log\n", secondsAgo: 0)
      harness.send(modified("node_modules/p/.gitignore", ".gitignore"))
      #expect(await harness.waitUntil { harness.output.count == 1 })
      #expect(harness.output == [modified(".gitignore")])
      try await harness.finish()
    }
  }

  @Test func aChangedExcludeFileIsReread() async throws {
    try await withFilterFolder { folder in
      try folder.write(".git/info/exclude", "*.log\n")
      let harness = try await folder.filter()
      harness.send(modified("a.log"))
      #expect(await harness.droppedMessage() == "ignored by .git/info/exclude: a.log")
      // The watcher never reports .git, so the filter checks the file itself.
      try folder.write(".git/info/exclude", "*.txt\n", secondsAgo: 0)
      harness.send(modified("a.log"))
      #expect(await harness.waitUntil { harness.output.count == 1 })
      #expect(harness.output == [modified("a.log")])
      try await harness.finish()
    }
  }
}

@Suite struct FilterDirectoryPatternTests {
  @Test(arguments: [
    ("tmp/", "tmp/main", true), ("tmp/", "a/tmp/x", false), ("**/build/", "x/build/y/z.o", true),
    ("tmp/", "tmpfile", false), ("src/*.go", "src/a.go", true),
  ])
  func aDirectoryPatternCoversWhatIsInside(pattern: String, path: String, covered: Bool) throws {
    #expect(try GlobPattern(pattern).covers(path) == covered)
  }
}
