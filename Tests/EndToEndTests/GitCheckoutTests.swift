import Foundation
import Testing

/// `hold_during_git` with a repository made while `pipeline` runs: a checkout is one rebuild.
@Suite(.serialized)
struct GitCheckoutTests {
  /// The app prints how many of the 300 files hold the `other` branch's text, so the line it
  /// prints says which content it was built from.
  static let build = """
    set -e
    mkdir -p tmp
    echo "$(cat src/*.txt | grep -c '^other' || true) other" > tmp/message.txt
    """

  static let app = """
    echo "app started: $(cat tmp/message.txt)"
    trap 'exit 0' TERM INT
    sleep 1000 & wait
    """

  /// No debounce: without the hold, each read of git's writes would be a build of its own.
  static let pipeline = """
    stages:
      - stage: watch
        paths: [.]
      - stage: build
        run: sh build.sh
      - stage: restart
        run: sh app.sh
        kill_after: 2s
    """

  @Test(.timeLimit(.minutes(2)))
  func aCheckoutInARepositoryMadeWhileRunningRestartsOnce() async throws {
    let project = try TemporaryProject("git-late")
    let files = (0..<300).map { "src/f\($0).txt" }
    for file in files { try project.write(file, "main \(file)\n") }
    try project.write("build.sh", Self.build)
    try project.write("app.sh", Self.app)
    try project.write("pipeline.yaml", Self.pipeline)
    try project.write(".gitignore", "tmp/\n.events-*\n")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: 0 other"), "\(run.transcript)")

    // The repository comes after the start.
    try GitCommand.run(["init", "-q"], in: project.root)
    try GitCommand.commitAll("main", in: project.root)
    try GitCommand.run(["checkout", "-q", "-b", "other"], in: project.root)
    for file in files { try project.write(file, "other \(file)\n") }
    try GitCommand.commitAll("other", in: project.root)
    #expect(await run.waitForLine(containing: "app started: 300 other"), "\(run.transcript)")
    try GitCommand.run(["checkout", "-q", "main"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: 0 other", count: 2), "\(run.transcript)")
    // Let the last build of the set-up finish before counting.
    try await Task.sleep(for: .seconds(1))
    let startsBefore = run.events("app-started").count
    let buildsBefore = run.events("stage-started").filter { $0["stage"] as? String == "build" }.count

    try GitCommand.run(["checkout", "-q", "other"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: 300 other", count: 2), "\(run.transcript)")
    // Give a second build the time to show up.
    try await Task.sleep(for: .seconds(1))
    let builds = run.events("stage-started").filter { $0["stage"] as? String == "build" }.count - buildsBefore
    #expect(builds == 1, "one build for the checkout: \(run.transcript)")
    #expect(run.events("app-started").count - startsBefore == 1, "\(run.transcript)")
    #expect(run.output.last { $0.contains("app started") }?.hasSuffix("app started: 300 other") == true)
    #expect(!run.events("changes-held").isEmpty, "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
  }
}

/// Runs git with a fixed identity and no user or system configuration.
enum GitCommand {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  static func run(_ arguments: [String], in folder: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git", "-c", "init.defaultBranch=main", "-c", "gc.auto=0"] + arguments
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    process.environment = [
      "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
      "HOME": "/nonexistent", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
      "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
      "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com", "LC_ALL": "C",
    ]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw Failure(description: "git \(arguments.joined(separator: " ")): \(String(decoding: data, as: UTF8.self))")
    }
  }

  static func commitAll(_ message: String, in folder: String) throws {
    try run(["add", "-A"], in: folder)
    try run(["commit", "-q", "-m", message], in: folder)
  }
}
