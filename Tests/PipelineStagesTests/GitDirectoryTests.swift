import Foundation
import Glibc
import PipelineCore
import Testing

@testable import PipelineStages

@Suite struct GitDirectoryTests {
  @Test func findsTheGitFolderAboveTheStartFolder() async throws {
    try await withTemporaryFolder { repo in
      try Disk.makeFolders(repo.path + "/.git")
      try Disk.makeFolders(repo.path + "/pipelines/dev")
      #expect(GitDirectory.find(above: repo.path + "/pipelines/dev")?.path == repo.path + "/.git")
      #expect(GitDirectory.find(above: repo.path)?.path == repo.path + "/.git")
    }
  }

  @Test func followsAGitFile() async throws {
    try await withTemporaryFolder { top in
      // A submodule: a relative path from the folder holding the file.
      try Disk.makeFolders(top.path + "/.git/modules/lib")
      try Disk.makeFolders(top.path + "/lib/src")
      try Disk.write(top.path + "/lib/.git", "gitdir: ../.git/modules/lib\n")
      #expect(GitDirectory.find(above: top.path + "/lib/src")?.path == top.path + "/.git/modules/lib")
      // A linked worktree: an absolute path.
      try Disk.makeFolders(top.path + "/.git/worktrees/feature")
      try Disk.makeFolders(top.path + "/feature")
      try Disk.write(top.path + "/feature/.git", "gitdir: \(top.path)/.git/worktrees/feature\r\n")
      #expect(GitDirectory.find(above: top.path + "/feature")?.path == top.path + "/.git/worktrees/feature")
    }
  }

  @Test func readsTheGitFileText() {
    #expect(GitDirectory.gitDirectory(fromDotGitFile: "gitdir: ../x/./y\n", in: "/a/b") == "/a/x/y")
    #expect(GitDirectory.gitDirectory(fromDotGitFile: "gitdir:/abs/dir", in: "/a") == "/abs/dir")
    #expect(GitDirectory.gitDirectory(fromDotGitFile: "nonsense", in: "/a") == nil)
    #expect(GitDirectory.gitDirectory(fromDotGitFile: "gitdir:   \n", in: "/a") == nil)
  }

  @Test func aBrokenGitFileMeansNoRepository() async throws {
    try await withTemporaryFolder { folder in
      try Disk.write(folder.path + "/.git", "gitdir: does/not/exist\n")
      #expect(GitDirectory.find(above: folder.path) == nil)
    }
  }

  /// What `git` itself says, for a real linked worktree.
  @Test func agreesWithGitForAWorktree() async throws {
    try await withTemporaryFolder { folder in
      let repo = folder.path + "/repo"
      try Disk.makeFolders(repo)
      try Git.run(["init", "-q"], in: repo)
      try Disk.write(repo + "/a.txt", "a")
      try Git.commitAll("first", in: repo)
      try Git.run(["worktree", "add", "-q", folder.path + "/linked"], in: repo)
      let expected = try Git.output(["rev-parse", "--absolute-git-dir"], in: folder.path + "/linked")
      #expect(GitDirectory.find(above: folder.path + "/linked")?.path == MountTable.realPath(expected))
    }
  }

  @Test func seesTheLockAndTheMarkers() async throws {
    try await withTemporaryFolder { folder in
      let git = GitDirectory(path: folder.path)
      #expect(git.snapshot().lock == nil)
      #expect(git.snapshot().markers.isEmpty)
      #expect(try #require(git.snapshot().quietFor) < .seconds(5))
      try Disk.write(folder.path + "/index.lock", "")
      try Disk.write(folder.path + "/MERGE_HEAD", "x")
      try Disk.makeFolder(folder.path + "/rebase-merge")
      let snapshot = git.snapshot()
      #expect(snapshot.lock != nil)
      #expect(snapshot.markers == ["rebase-merge", "MERGE_HEAD"])
    }
  }

  @Test func tellsARebaseThatRunsAnExecStep() async throws {
    try await withTemporaryFolder { folder in
      let git = GitDirectory(path: folder.path)
      #expect(!git.lastRebaseStepIsExec())
      try Disk.makeFolder(folder.path + "/rebase-merge")
      try Disk.write(folder.path + "/rebase-merge/done", "pick 1a2b3c4 first\nexec go test ./...\n")
      #expect(git.lastRebaseStepIsExec())
      try Disk.write(folder.path + "/rebase-merge/done", "pick 1a2b3c4 first\nx make\npick 5d6e7f8 second\n")
      #expect(!git.lastRebaseStepIsExec())
    }
  }
}

/// Runs the real `git` for tests, with no user or system configuration.
enum Git {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  static let environment: [String: String] = [
    "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
    "HOME": "/nonexistent", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
    "LC_ALL": "C",
  ]

  /// Runs `git ARGUMENTS` in `folder`; returns its exit status. Throws when it cannot start, or
  /// when it fails and `check` is set.
  @discardableResult
  static func run(_ arguments: [String], in folder: String, check: Bool = true) throws -> Int32 {
    try execute(arguments, in: folder, check: check).status
  }

  static func output(_ arguments: [String], in folder: String) throws -> String {
    try execute(arguments, in: folder, check: true).output.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  static func commitAll(_ message: String, in folder: String) throws {
    try run(["add", "-A"], in: folder)
    try run(["commit", "-q", "-m", message], in: folder)
  }

  private static func execute(_ arguments: [String], in folder: String, check: Bool) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
      "git", "-c", "init.defaultBranch=main", "-c", "gc.auto=0", "-c", "core.fsmonitor=false",
      "-c", "advice.detachedHead=false",
    ] + arguments
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let output = String(decoding: data, as: UTF8.self)
    if check && process.terminationStatus != 0 {
      throw Failure(description: "git \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): \(output)")
    }
    return (process.terminationStatus, output)
  }
}
