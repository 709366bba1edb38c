import Foundation
import Glibc
import Testing

@testable import PipelineCore

@Suite("ChildProcess")
struct ChildProcessTests {
  let lines = Box<[String]>([])

  /// Starts `command` in `folder`; each output line is recorded as `stdout: …` or `stderr: …`.
  func start(_ command: CommandSpec, in folder: String = "/tmp", environment: [String: String]? = nil) throws -> ChildProcess {
    let launch = try ProcessLaunch.resolving(
      command, environment: environment ?? ProcessInfo.processInfo.environment, workingDirectory: folder)
    let lines = lines
    return try ChildProcess.launch(launch) { channel, line in lines.modify { $0.append("\(channel.rawValue): \(line)") } }
  }

  /// Waits for the exit and for the last line of output.
  func finish(_ process: ChildProcess) async -> TerminationStatus? {
    let status = await process.waitForExit(timeout: .seconds(10))
    await process.waitForOutput(timeout: .seconds(5))
    return status
  }

  /// `true` when no process of the group `pgid` exists any more.
  static func groupIsGone(_ pgid: pid_t) -> Bool {
    kill(-pgid, 0) == -1 && errno == ESRCH
  }

  /// The processes of group `pgid` that are not zombies, read from /proc independently of
  /// the code under test.
  static func livingMembers(ofGroup pgid: pid_t) -> [pid_t] {
    let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { pid_t($0) } ?? []
    return pids.filter { pid in
      guard let (state, group) = stat(of: pid) else { return false }
      return group == pgid && state != "Z" && state != "X"
    }
  }

  /// Whether `pid` exists and is not a zombie.
  static func isLiving(_ pid: pid_t) -> Bool {
    guard let (state, _) = stat(of: pid) else { return false }
    return state != "Z" && state != "X"
  }

  /// The state letter and process group of `pid`, from `/proc/PID/stat`.
  static func stat(of pid: pid_t) -> (state: Character, group: pid_t)? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = text.lastIndex(of: ")")
    else { return nil }
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 3, let state = fields[0].first, let group = pid_t(fields[2]) else { return nil }
    return (state, group)
  }

  /// Writes `text` to a new file with `mode`, through a descriptor no child can inherit.
  static func writeFile(_ path: String, _ text: String, mode: mode_t) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    guard write(fd, bytes, bytes.count) == bytes.count else { throw POSIXError(.EIO) }
    guard fchmod(fd, mode) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
  }

  static func temporaryFolder() throws -> String {
    let folder = FileManager.default.temporaryDirectory.path + "/child-process-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
  }

  @Test("output lines arrive in order, and a last line without a newline is delivered")
  func outputLines() async throws {
    let process = try start(.shell("printf 'one\\ntwo\\n\\nthree\\r\\nlast'"))
    #expect(await finish(process) == .exited(0))
    #expect(lines.value == ["stdout: one", "stdout: two", "stdout: ", "stdout: three", "stdout: last"])
  }

  @Test("a descriptor pipeline left open without O_CLOEXEC does not leak into the command")
  func noDescriptorLeaks() async throws {
    // Opened without O_CLOEXEC, as a library writing a file in another thread might.
    let leaky = open("/dev/null", O_RDONLY)
    try #require(leaky >= 0)
    defer { close(leaky) }
    let process = try start(.argv(["/bin/ls", "/proc/self/fd"]))
    #expect(await finish(process) == .exited(0))
    let descriptors = lines.value.compactMap { Int32($0.dropFirst("stdout: ".count)) }
    #expect(descriptors.contains(2), "ls lists its own descriptors: \(lines.value)")
    #expect(!descriptors.contains(leaky), "descriptor \(leaky) leaked: \(lines.value)")
  }

  @Test("many lines keep their order, and stderr lines are told apart")
  func manyLines() async throws {
    let process = try start(
      .shell("i=1; while [ $i -le 2000 ]; do echo line$i; i=$((i+1)); done; echo oops >&2"))
    #expect(await finish(process) == .exited(0))
    let out = lines.value.filter { $0.hasPrefix("stdout: ") }
    #expect(out == (1...2000).map { "stdout: line\($0)" })
    #expect(lines.value.filter { $0.hasPrefix("stderr: ") } == ["stderr: oops"])
  }

  @Test("processes running at once each get all their own output, and their end, in order")
  func concurrentOutputs() async throws {
    // One thread reads every process's output: twelve at once must not mix or lose lines.
    let processes = try (0..<12).map { index in
      try start(.shell("i=1; while [ $i -le 300 ]; do echo p\(index)-$i; i=$((i+1)); done; printf p\(index)-end"))
    }
    for process in processes { #expect(await finish(process) == .exited(0)) }
    for index in 0..<12 {
      let mine = lines.value.filter { $0.hasPrefix("stdout: p\(index)-") }
      #expect(mine == (1...300).map { "stdout: p\(index)-\($0)" } + ["stdout: p\(index)-end"])
    }
  }

  @Test("a piece ends between characters, never inside one's UTF-8 bytes")
  func longLineCutBetweenCharacters() {
    var splitter = LineSplitter()
    var pieces: [String] = []
    // One byte, then two-byte characters: 64 KiB falls inside one.
    let bytes = Array("a".utf8) + Array(String(repeating: "é", count: 40_000).utf8)
    bytes.withUnsafeBytes { splitter.split($0) { pieces.append($0) } }
    splitter.finish { pieces.append($0) }
    #expect(pieces.map(\.utf8.count) == [65_535, 14_466])
    #expect(!pieces.joined().contains("\u{FFFD}") && pieces.joined() == "a" + String(repeating: "é", count: 40_000))
  }

  @Test("a longer limit (an external stage's standard output) hands a 150 KB line over whole")
  func longerLimitKeepsTheLineWhole() {
    var splitter = LineSplitter(maximumLineLength: 16 * 1024 * 1024)
    var pieces: [Int] = []
    for _ in 0..<10 {
      Array(repeating: UInt8(ascii: "x"), count: 15_000).withUnsafeBytes { splitter.split($0) { pieces.append($0.utf8.count) } }
    }
    [UInt8(10)].withUnsafeBytes { splitter.split($0) { pieces.append($0.utf8.count) } }
    #expect(pieces == [150_000])
  }

  @Test("a line that grows past 64 KiB in the read that ends it still comes in pieces of 64 KiB")
  func longLineEndedInALaterRead() {
    var splitter = LineSplitter()
    var pieces: [Int] = []
    // Two reads, as a pipe delivers them: 60,000 bytes, then 20,000 more and the newline.
    for read in [Array(repeating: UInt8(ascii: "x"), count: 60_000), Array(repeating: UInt8(ascii: "x"), count: 20_000) + [10]] {
      read.withUnsafeBytes { splitter.split($0) { pieces.append($0.utf8.count) } }
    }
    splitter.finish { pieces.append($0.utf8.count) }
    #expect(pieces == [65_536, 14_464])
  }

  @Test("a line longer than 64 KiB comes in pieces, none of them lost")
  func longLineInPieces() async throws {
    let process = try start(.shell("head -c 200000 /dev/zero | tr '\\0' x; echo; echo after"))
    #expect(await finish(process) == .exited(0))
    let pieces = lines.value.dropLast().map { $0.dropFirst("stdout: ".count) }
    #expect(pieces.map(\.count) == [65_536, 65_536, 65_536, 3_392], "pieces of 64 KiB, as documented")
    #expect(pieces.map(\.count).reduce(0, +) == 200_000 && pieces.allSatisfy { $0.allSatisfy { $0 == "x" } })
    #expect(lines.value.last == "stdout: after")
  }

  @Test(
    "the exit status or the signal is reported",
    arguments: [
      ("exit 0", TerminationStatus.exited(0), "exited with status 0", Int32(0)),
      ("exit 3", .exited(3), "exited with status 3", 3),
      ("kill -TERM $$", .signaled(.terminate), "killed by SIGTERM", 143),
      ("kill -KILL $$", .signaled(.kill), "killed by SIGKILL", 137),
      ("kill -INT $$", .signaled(.interrupt), "killed by SIGINT", 130),
      ("kill -PIPE $$", .signaled(ProcessSignal(number: SIGPIPE)), "killed by SIGPIPE", 141),
      ("kill -SEGV $$", .signaled(ProcessSignal(number: SIGSEGV)), "killed by SIGSEGV", 139),
    ])
  func terminationStatus(script: String, expected: TerminationStatus, text: String, shellStatus: Int32) async throws {
    let process = try start(.shell(script))
    let status = await process.waitForExit(timeout: .seconds(10))
    #expect(status == expected)
    #expect(process.status == expected)
    #expect(status?.description == text)
    #expect(status?.shellStatus == shellStatus)
    #expect(status?.isSuccess == (script == "exit 0"))
  }

  @Test("the command gets the given environment and folder, and /dev/null as stdin")
  func environmentAndFolder() async throws {
    let folder = try Self.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let process = try start(
      .shell("echo \"$GREETING\"; pwd; cat; echo done"), in: folder,
      environment: ["GREETING": "hello there", "PATH": "/usr/bin:/bin"])
    #expect(await finish(process) == .exited(0))
    let realFolder = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
    #expect(lines.value == ["stdout: hello there", "stdout: \(realFolder)", "stdout: done"])
  }

  @Test("stop escalates to SIGKILL after killAfter when the group ignores the signal")
  func stopEscalates() async throws {
    let process = try start(.shell("trap '' TERM; sleep 30 & echo $!; wait"))
    let lines = lines
    #expect(await eventually { !lines.value.isEmpty })
    let child = try #require(lines.value.first.flatMap { pid_t($0.dropFirst("stdout: ".count)) })
    let clock = ContinuousClock()
    let started = clock.now
    let status = await value(
      of: Task { await process.stop(signal: .terminate, killAfter: .milliseconds(300)) }, timeout: .seconds(15))
    let elapsed = started.duration(to: clock.now)
    #expect(status == .signaled(.kill))
    #expect(elapsed >= .milliseconds(300))
    #expect(elapsed < .seconds(10))
    #expect(Self.groupIsGone(process.pid) || Self.livingMembers(ofGroup: process.pid).isEmpty)
    #expect(!Self.isLiving(child))
    #expect(!process.isGroupAlive)
    #expect(!LiveProcessGroups.shared.all.contains(process.pid))
  }

  @Test("stopping a shell wrapper stops its background child too")
  func stopStopsTheGroup() async throws {
    let process = try start(.shell("sleep 30 & echo $!; wait"))
    let lines = lines
    #expect(await eventually { !lines.value.isEmpty })
    let child = try #require(lines.value.first.flatMap { pid_t($0.dropFirst("stdout: ".count)) })
    #expect(kill(child, 0) == 0)
    #expect(getpgid(child) == process.pid)

    let clock = ContinuousClock()
    let started = clock.now
    let status = await value(of: Task { await process.stop(signal: .terminate, killAfter: .seconds(8)) }, timeout: .seconds(20))
    #expect(status == .signaled(.terminate))
    #expect(started.duration(to: clock.now) < .seconds(8), "SIGTERM alone should have stopped the group")
    // The orphaned sleep may linger as a zombie until PID 1 reaps it (a second or more on
    // some systems, never under an init that does not reap), so the group counts as gone when
    // kill(-pgid, 0) fails with ESRCH or only zombies are left in it.
    #expect(Self.groupIsGone(process.pid) || Self.livingMembers(ofGroup: process.pid).isEmpty)
    #expect(!Self.isLiving(child), "the background sleep must be gone (or a zombie waiting for PID 1)")
    #expect(!process.isGroupAlive)
  }

  /// What `swift build` does with its compilers, and Go programs with `Setpgid`: bash with job
  /// control (`set -m`) starts the background sleep in a group of its own.
  @Test(
    "stopping a command stops what it started in a group of its own too, with or without a keeper",
    arguments: [true, false])
  func stopReachesWhatLeftTheGroup(kept: Bool) async throws {
    let launch = try ProcessLaunch.resolving(
      .argv(["bash", "-c", "set -m; sleep 30 & echo $!; wait"]), environment: ProcessInfo.processInfo.environment,
      workingDirectory: "/tmp")
    let lines = lines
    let record: @Sendable (OutputChannel, String) -> Void = { channel, line in
      lines.modify { $0.append("\(channel.rawValue): \(line)") }
    }
    let process =
      kept ? try ChildProcess.launch(launch, onLine: record) : try ChildProcess.launch(launch, server: nil, onLine: record)
    #expect(process.isKept == kept)
    #expect(await eventually { !lines.value.isEmpty })
    let child = try #require(lines.value.first.flatMap { pid_t($0.dropFirst("stdout: ".count)) })
    #expect(getpgid(child) == child, "the sleep leads a group of its own")
    #expect(getsid(child) == process.pid, "in the command's session")

    let clock = ContinuousClock()
    let started = clock.now
    let status = await value(of: Task { await process.stop(signal: .terminate, killAfter: .seconds(8)) }, timeout: .seconds(20))
    #expect(status == .signaled(.terminate))
    #expect(!Self.isLiving(child), "the sleep in its own group must be gone once stop returns")
    #expect(started.duration(to: clock.now) < .seconds(8), "SIGTERM alone should have stopped it")
  }

  @Test("stop on a process that has already exited returns its status")
  func stopAfterExit() async throws {
    let process = try start(.shell("exit 4"))
    #expect(await process.waitForExit(timeout: .seconds(10)) == .exited(4))
    let status = await value(of: Task { await process.stop(signal: .terminate, killAfter: .seconds(1)) })
    #expect(status == .exited(4))
  }

  @Test("waitForExit(timeout:) gives nil while the process runs")
  func waitTimesOut() async throws {
    let process = try start(.shell("sleep 30"))
    #expect(await process.waitForExit(timeout: .milliseconds(50)) == nil)
    #expect(process.status == nil)
    await process.stop(signal: .kill, killAfter: .zero)
    #expect(process.status == .signaled(.kill))
  }

  @Test("resolving runs a string under /bin/sh -c and finds an argv's program in PATH")
  func resolving() throws {
    let shell = try ProcessLaunch.resolving(.shell("echo hi"), environment: [:], workingDirectory: "/tmp")
    #expect(shell.executable == "/bin/sh")
    #expect(shell.arguments == ["/bin/sh", "-c", "echo hi"])
    #expect(shell.workingDirectory == "/tmp")
    #expect(shell.standardInput == .null)

    let argv = try ProcessLaunch.resolving(
      .argv(["sh", "-c", "true"]), environment: ["PATH": "/nonexistent:/usr/bin:/bin"], workingDirectory: "/tmp")
    #expect(["/usr/bin/sh", "/bin/sh"].contains(argv.executable))
    #expect(argv.arguments == ["sh", "-c", "true"])
    #expect(argv.environment == ["PATH": "/nonexistent:/usr/bin:/bin"])
  }

  @Test("a program that is not in PATH is `command not found`", arguments: ["nosuchprogram", "./nosuchprogram"])
  func notFound(program: String) {
    let error = #expect(throws: LaunchError.self) {
      try ProcessLaunch.resolving(.argv([program, "x"]), environment: ["PATH": "/usr/bin:/bin"], workingDirectory: "/tmp")
    }
    #expect(error == .notFound(program))
    #expect(error?.description == "command not found: \(program)")
  }

  @Test("the PATH lookup skips a file that is not executable")
  func lookupSkipsNonExecutable() throws {
    let folder = try Self.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try FileManager.default.createDirectory(atPath: folder + "/a", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: folder + "/b", withIntermediateDirectories: true)
    try Self.writeFile(folder + "/a/tool", "#!/bin/sh\n", mode: 0o644)
    try Self.writeFile(folder + "/b/tool", "#!/bin/sh\n", mode: 0o755)
    let launch = try ProcessLaunch.resolving(
      .argv(["tool"]), environment: ["PATH": "\(folder)/a:\(folder)/b"], workingDirectory: "/")
    #expect(launch.executable == folder + "/b/tool")
  }

  @Test("launching a file that is not executable says permission denied")
  func permissionDenied() throws {
    let folder = try Self.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try Self.writeFile(folder + "/script.sh", "#!/bin/sh\necho hi\n", mode: 0o644)
    let error = #expect(throws: LaunchError.self) { try start(.argv(["./script.sh"]), in: folder) }
    #expect(
      error?.description == "cannot start ./script.sh: permission denied (is it executable? `chmod +x ./script.sh`)")
    if case .failed(_, let code, _) = error { #expect(code == EACCES) } else { Issue.record("expected .failed, got \(String(describing: error))") }
  }

  @Test("an executable without a #! line is not an executable file")
  func noShebang() async throws {
    let folder = try Self.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try Self.writeFile(folder + "/script", "echo hi\n", mode: 0o755)
    // A process another test starts at the same moment may briefly hold the file open for
    // writing, which makes exec fail with ETXTBSY; try again then.
    var error: LaunchError?
    for _ in 0..<100 {
      error = #expect(throws: LaunchError.self) { try start(.argv(["./script"]), in: folder) }
      guard case .failed(_, ETXTBSY, _) = error else { break }
      try await Task.sleep(for: .milliseconds(20))
    }
    #expect(error?.description == "cannot start ./script: not an executable file (a script needs a #! line)")
  }

  @Test("a missing working directory is named")
  func missingWorkingDirectory() {
    let launch = ProcessLaunch(
      executable: "/bin/sh", arguments: ["/bin/sh", "-c", "true"], environment: [:], workingDirectory: "/nonexistent-folder")
    let error = #expect(throws: LaunchError.self) { try ChildProcess.launch(launch) { _, _ in } }
    #expect(error?.description == "cannot start /bin/sh: working directory /nonexistent-folder does not exist")
  }

  @Test("a relative program in a missing working directory names the folder, not a missing command")
  func relativeProgramInAMissingWorkingDirectory() {
    for words in [["./tmp/main"], ["echo", "hi"]] {
      let error = #expect(throws: LaunchError.self) {
        try ProcessLaunch.resolving(.argv(words), environment: ["PATH": "/usr/bin:/bin"], workingDirectory: "/nonexistent-folder")
      }
      #expect(error?.description == "cannot start \(words[0]): working directory /nonexistent-folder does not exist")
    }
  }
}
