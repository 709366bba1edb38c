import Foundation
import PipelineCore
@testable import PipelineStages
import Testing

/// Each test builds a real tree; `ignored` lists, for each path, whether git ignores it
/// (checked against `git check-ignore --no-index` by hand when these were written).
@Suite struct GitignoreMatcherTests {
  /// Writes `files` (path: content) under a fresh folder and returns a matcher for
  /// `pipeline` (a folder relative to it) and the folder.
  private func ignored(
    _ files: [String: String], pipeline: String = ".", _ paths: [String]
  ) async throws -> [String: Bool] {
    var result: [String: Bool] = [:]
    try await withFilterFolder { folder in
      for (path, text) in files { try folder.write(path, text) }
      try Disk.makeFolders(folder.root + "/" + pipeline)
      var matcher = GitignoreMatcher(pipelineRoot: PathText.join(folder.root, pipeline))
      for path in paths {
        let isDirectory = DirectoryWalker.isDirectory(PathText.join(folder.root, pipeline + "/" + path))
        result[path] = matcher.ignoreSource(for: path, isDirectory: isDirectory) != nil
      }
    }
    return result
  }

  @Test func aNegationIncludesAgain() async throws {
    let result = try await ignored(
      [".gitignore": "*.log\n!keep.log\n"], ["a.log", "keep.log", "sub/b.log", "sub/keep.log", "a.txt"])
    #expect(result == ["a.log": true, "keep.log": false, "sub/b.log": true, "sub/keep.log": false, "a.txt": false])
  }

  @Test func laterLinesWin() async throws {
    let result = try await ignored([".gitignore": "!keep.log\n*.log\n"], ["keep.log"])
    #expect(result == ["keep.log": true])
  }

  @Test func aSlashAtTheStartOrInTheMiddleAnchors() async throws {
    let result = try await ignored(
      [".gitignore": "/build\ndoc/*.txt\n", "sub/.gitignore": "/local.txt\n"],
      [
        "build/x.o", "sub/build/x.o", "doc/a.txt", "doc/sub/a.txt", "sub/doc/a.txt", "sub/local.txt",
        "local.txt", "sub/deeper/local.txt",
      ])
    #expect(
      result == [
        "build/x.o": true, "sub/build/x.o": false, "doc/a.txt": true, "doc/sub/a.txt": false,
        "sub/doc/a.txt": false, "sub/local.txt": true, "local.txt": false, "sub/deeper/local.txt": false,
      ])
  }

  @Test func aTrailingSlashMatchesFoldersOnly() async throws {
    let result = try await ignored(
      [".gitignore": "out/\n", "out/a": "", "deep/out/b": "", "file/out": ""],
      ["out/a", "deep/out/b", "file/out", "out"])
    #expect(result == ["out/a": true, "deep/out/b": true, "file/out": false, "out": true])
  }

  @Test func doubleStarForms() async throws {
    let result = try await ignored(
      [".gitignore": "**/logs\ncache/**\na/**/b\n**/gen/*.go\n"],
      [
        "logs", "x/y/logs", "logs/today", "cache/x", "cache/x/y", "sub/cache/x", "a/b", "a/x/y/b", "x/a/b",
        "gen/z.go", "p/q/gen/z.go", "gen/sub/z.go",
      ])
    #expect(
      result == [
        "logs": true, "x/y/logs": true, "logs/today": true, "cache/x": true, "cache/x/y": true,
        "sub/cache/x": false, "a/b": true, "a/x/y/b": true, "x/a/b": false, "gen/z.go": true,
        "p/q/gen/z.go": true, "gen/sub/z.go": false,
      ])
  }

  @Test func deeperFilesTakePrecedence() async throws {
    let result = try await ignored(
      [".gitignore": "*.log\nsecret.txt\n", "sub/.gitignore": "!*.log\n", "sub/deeper/.gitignore": "debug.log\n"],
      ["a.log", "sub/a.log", "sub/deeper/a.log", "sub/deeper/debug.log", "sub/secret.txt"])
    #expect(
      result == [
        "a.log": true, "sub/a.log": false, "sub/deeper/a.log": false, "sub/deeper/debug.log": true,
        "sub/secret.txt": true,
      ])
  }

  @Test func aFileInAnExcludedFolderCannotBeIncludedAgain() async throws {
    let folder = try await ignored(
      [".gitignore": "logs/\n!logs/keep.log\n", "logs/keep.log": "", "logs/a.log": ""], ["logs/keep.log", "logs/a.log"])
    #expect(folder == ["logs/keep.log": true, "logs/a.log": true])
    // `logs/*` ignores what is in logs, not logs itself, so a negation works there.
    let contents = try await ignored(
      [".gitignore": "logs/*\n!logs/keep.log\n", "logs/keep.log": "", "logs/a.log": ""], ["logs/keep.log", "logs/a.log"])
    #expect(contents == ["logs/keep.log": false, "logs/a.log": true])
    // A deeper .gitignore cannot include again what is in an ignored folder either.
    let deeper = try await ignored(
      [".gitignore": "vendor/\n", "vendor/.gitignore": "!*\n", "vendor/x.go": ""], ["vendor/x.go"])
    #expect(deeper == ["vendor/x.go": true])
  }

  @Test func theExcludeFileAppliesBelowEveryGitignore() async throws {
    let result = try await ignored(
      [".git/info/exclude": "*.tmp\nscratch/\n", ".gitignore": "!keep.tmp\n", "scratch/a": ""],
      ["a.tmp", "keep.tmp", "sub/b.tmp", "scratch/a", "a.go"])
    #expect(result == ["a.tmp": true, "keep.tmp": false, "sub/b.tmp": true, "scratch/a": true, "a.go": false])
  }

  @Test func theRepositoryMayBeAboveThePipeline() async throws {
    let result = try await ignored(
      [".git/HEAD": "ref: refs/heads/main\n", ".gitignore": "/app/gen/\n*.log\n", "app/gen/x.go": "", "app/.gitignore": "!keep.log\n"],
      pipeline: "app", ["gen/x.go", "a.log", "keep.log", "main.go", "../outside.log"])
    #expect(result == ["gen/x.go": true, "a.log": true, "keep.log": false, "main.go": false, "../outside.log": true])
  }

  /// What ignores `path` (a file), asked of `matcher`; outside `#expect`, which cannot mutate.
  private func source(_ matcher: inout GitignoreMatcher, _ path: String, isDirectory: Bool = false) -> GitignoreMatcher.Source? {
    matcher.ignoreSource(for: path, isDirectory: isDirectory)
  }

  @Test func withoutARepositoryGitignoreFilesStillCount() async throws {
    try await withFilterFolder { folder in
      try folder.write("app/.gitignore", "*.log\n")
      var matcher = GitignoreMatcher(pipelineRoot: folder.root + "/app")
      #expect(matcher.repositoryRoot == folder.root + "/app")
      #expect(matcher.excludeFilePath == nil)
      #expect(source(&matcher, "a.log") == .gitignore(folder: ""))
      #expect(source(&matcher, "../b.log") == nil)
    }
  }

  @Test func whatIsInsideGitIsIgnored() async throws {
    try await withFilterFolder { folder in
      var matcher = GitignoreMatcher(pipelineRoot: folder.root)
      #expect(source(&matcher, ".git/index") == .gitDirectory)
      #expect(source(&matcher, "sub/.git/HEAD") == .gitDirectory)
      #expect(source(&matcher, ".gitkeep") == nil)
    }
  }

  @Test func aWorktreeReadsTheExcludeFileOfItsCommonFolder() async throws {
    try await withFilterFolder { folder in
      try folder.write("main/.git/info/exclude", "*.tmp\n")
      try folder.write("main/.git/worktrees/wt/commondir", "../..\n")
      try folder.write("wt/.git", "gitdir: ../main/.git/worktrees/wt\n")
      var matcher = GitignoreMatcher(pipelineRoot: folder.root + "/wt")
      #expect(matcher.excludeFilePath == folder.root + "/main/.git/info/exclude")
      #expect(source(&matcher, "a.tmp") == .excludeFile)
    }
  }

  @Test func aChangedGitignoreIsReadAgain() async throws {
    try await withFilterFolder { folder in
      try folder.write("sub/.gitignore", "*.log\n")
      var matcher = GitignoreMatcher(pipelineRoot: folder.root)
      #expect(source(&matcher, "sub/a.log") != nil)
      try folder.write("sub/.gitignore", "*.txt\n", secondsAgo: 0)
      // Cached until a change says otherwise.
      #expect(source(&matcher, "sub/a.log") != nil)
      let noted = matcher.noteChange(Change(path: "sub/.gitignore", kind: .modified))
      #expect(noted)
      #expect(source(&matcher, "sub/a.log") == nil)
      #expect(source(&matcher, "sub/a.txt") != nil)
      let notedFile = matcher.noteChange(Change(path: "sub/a.txt", kind: .modified))
      #expect(!notedFile)
    }
  }

  @Test func aRemovedFolderTakesItsGitignoreAlong() async throws {
    try await withFilterFolder { folder in
      try folder.write("sub/deeper/.gitignore", "*.log\n")
      var matcher = GitignoreMatcher(pipelineRoot: folder.root)
      #expect(source(&matcher, "sub/deeper/a.log") != nil)
      try Disk.remove(folder.root + "/sub")
      try Disk.makeFolders(folder.root + "/sub/deeper")
      matcher.noteChange(Change(path: "sub", kind: .removed))
      #expect(source(&matcher, "sub/deeper/a.log") == nil)
    }
  }
}
