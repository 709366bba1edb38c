import Foundation
import Glibc
import Testing

@testable import PipelineCore

/// The keeper, tested on its own: each test starts a keeper of its own and cuts its socket,
/// playing the part of a `pipeline` killed with SIGKILL, or kills it, playing the part of a
/// keeper that dies.
@Suite("ProcessKeeper", .serialized)
struct ProcessKeeperTests {
  /// A keeper that only this test uses.
  final class Keeper: Sendable {
    let server: SpawnServer
    /// What `pipeline` was told when the keeper died: its pid, status and orphans' pids.
    let losses = Box<[(keeper: pid_t, status: TerminationStatus?, orphans: [pid_t])]>([])
    init() throws {
      let program = try #require(ProcessKeeper.program)
      let losses = losses
      server = try SpawnServer.start(program) { keeper, status, orphans in
        losses.modify { $0.append((keeper, status, orphans.map(\.pid))) }
      }
    }
    /// What the kernel does when `pipeline` dies.
    func cut() { server.cutLifeline() }
  }

  func launch(_ line: String, keeper: Keeper, signal: ProcessSignal = .terminate, killAfter: Duration = .milliseconds(300), lines: Box<[String]> = Box([])) throws -> ChildProcess {
    var launch = try ProcessLaunch.resolving(.shell(line), environment: ProcessInfo.processInfo.environment, workingDirectory: "/tmp")
    launch.stopSignal = signal
    launch.killAfter = killAfter
    return try ChildProcess.launch(launch, server: keeper.server) { _, line in lines.modify { $0.append(line) } }
  }

  /// Waits until a line starting with `prefix` and a pid arrives, and returns that pid.
  func reportedPID(_ prefix: String, in lines: Box<[String]>) async throws -> pid_t {
    var pid: pid_t?
    for _ in 0..<500 where pid == nil {
      pid = lines.value.lazy.compactMap { $0.hasPrefix(prefix) ? pid_t($0.dropFirst(prefix.count)) : nil }.first
      if pid == nil { try await Task.sleep(for: .milliseconds(10)) }
    }
    return try #require(pid, "no line '\(prefix)PID' in \(lines.value)")
  }

  /// Waits (up to 10 s) until no living process is left in group `pgid`.
  func groupEnds(_ pgid: pid_t) async throws -> Bool {
    for _ in 0..<1000 {
      if ChildProcessTests.livingMembers(ofGroup: pgid).isEmpty { return true }
      try await Task.sleep(for: .milliseconds(10))
    }
    return false
  }

  @Test("the keeper is found next to the test runner, as next to pipeline")
  func keeperIsBuilt() {
    #expect(ProcessKeeper.isAvailable, "expected \(ProcessKeeper.expectedLocation)")
  }

  @Test("when the lifeline breaks, the whole group gets the stop signal, then SIGKILL after the grace")
  func lifelineBreakStopsTheGroup() async throws {
    let keeper = try Keeper()
    let lines = Box<[String]>([])
    // The child ignores SIGTERM, so only the SIGKILL after the grace can end it.
    let process = try launch(
      "trap 'echo got TERM' TERM; sh -c \"trap '' TERM; echo child \\$\\$; while :; do sleep 0.05; done\" & wait; wait",
      keeper: keeper, killAfter: .milliseconds(400), lines: lines)
    #expect(process.isKept)
    let grandchild = try await reportedPID("child ", in: lines)
    let clock = ContinuousClock()
    let cut = clock.now
    keeper.cut()
    #expect(try await groupEnds(process.pid), "group members left: \(ChildProcessTests.livingMembers(ofGroup: process.pid))")
    #expect(!ChildProcessTests.isLiving(grandchild))
    #expect(cut.duration(to: clock.now) >= .milliseconds(350), "the grace period is honoured")
    await process.waitForOutput(timeout: .seconds(2))
    #expect(lines.value.contains("got TERM"), "the stop signal came first: \(lines.value)")
    // The status went with the lifeline; the process still ends, as killed.
    #expect(await process.waitForExit(timeout: .seconds(10)) == .signaled(.kill))
    #expect(keeper.losses.value.isEmpty, "a cut is not a lost keeper")
  }

  @Test("a command that ended but left a process in its group: the group is still stopped when the lifeline breaks")
  func lingeringGroupIsStillGuarded() async throws {
    let keeper = try Keeper()
    let lines = Box<[String]>([])
    // Without job control, the background sleep stays in the command's group.
    let process = try launch("sleep 30 & echo left $!", keeper: keeper, lines: lines)
    let left = try await reportedPID("left ", in: lines)
    #expect(await process.waitForExit(timeout: .seconds(10)) == .exited(0))
    #expect(ChildProcessTests.isLiving(left), "the sleep outlives its shell")
    keeper.cut()
    #expect(try await groupEnds(process.pid), "group members left: \(ChildProcessTests.livingMembers(ofGroup: process.pid))")
    #expect(!ChildProcessTests.isLiving(left))
  }

  @Test("when the lifeline breaks, what commands left in groups and sessions of their own is stopped too")
  func lifelineBreakStopsWhatLeftTheGroups() async throws {
    let keeper = try Keeper()
    let lines = Box<[String]>([])
    // Running, with a child in a group of its own (bash with job control), which ignores the
    // command's SIGINT: only the SIGKILL after the command's grace ends it.
    let running = try launch(
      "exec bash -c 'set -m; sh -c \"trap \\\"\\\" INT; echo escaped \\$\\$; exec sleep 30\" & wait'",
      keeper: keeper, signal: .interrupt, killAfter: .milliseconds(400), lines: lines)
    // Ended, having left a child in a group of its own and a daemon in a session of its own.
    let ended = try launch(
      "bash -c 'set -m; sleep 30 & echo left $!'; setsid sleep 30 & echo daemon $!", keeper: keeper, lines: lines)
    let escaped = try await reportedPID("escaped ", in: lines)
    let left = try await reportedPID("left ", in: lines)
    let daemon = try await reportedPID("daemon ", in: lines)
    #expect(await ended.waitForExit(timeout: .seconds(10)) == .exited(0))
    #expect(getsid(escaped) == running.pid && getpgid(escaped) == escaped, "in a group of its own")
    #expect(getsid(left) == ended.pid && getpgid(left) == left, "in a group of its own")
    #expect(getsid(daemon) == daemon, "in a session of its own")
    #expect([escaped, left, daemon].allSatisfy(ChildProcessTests.isLiving), "they outlive their parents")

    let clock = ContinuousClock()
    let cut = clock.now
    keeper.cut()
    for pid in [escaped, left, daemon] {
      #expect(try await groupEnds(pid), "left in \(pid)'s group: \(ChildProcessTests.livingMembers(ofGroup: pid))")
    }
    #expect(cut.duration(to: clock.now) >= .milliseconds(350), "the escaped child got the command's grace")
  }

  @Test("when the lifeline breaks, every group gets its own stop signal and grace")
  func lifelineBreakStopsEveryGroup() async throws {
    let keeper = try Keeper()
    let first = Box<[String]>([]), second = Box<[String]>([])
    // The first group ends at its SIGINT; the second ignores SIGTERM (its own signal), child
    // included, so only the SIGKILL after its grace ends it.
    let polite = try launch(
      "trap 'echo got INT; exit 0' INT; trap 'echo got TERM' TERM; echo ready; while :; do sleep 0.05; done",
      keeper: keeper, signal: .interrupt, killAfter: .seconds(20), lines: first)
    let stubborn = try launch(
      "trap 'echo got TERM' TERM; sh -c \"trap '' TERM; echo child \\$\\$; while :; do sleep 0.05; done\" & wait; wait",
      keeper: keeper, signal: .terminate, killAfter: .milliseconds(600), lines: second)
    #expect(polite.pid != stubborn.pid)
    #expect(await eventually { first.value.contains("ready") })
    let grandchild = try await reportedPID("child ", in: second)
    let clock = ContinuousClock()
    let cut = clock.now
    keeper.cut()
    #expect(try await groupEnds(polite.pid))
    #expect(try await groupEnds(stubborn.pid))
    #expect(!ChildProcessTests.isLiving(grandchild))
    #expect(cut.duration(to: clock.now) >= .milliseconds(550), "the second group's grace is honoured")
    #expect(cut.duration(to: clock.now) < .seconds(15), "the first group's 20 s grace was not waited out")
    await polite.waitForOutput(timeout: .seconds(2))
    await stubborn.waitForOutput(timeout: .seconds(2))
    #expect(first.value.contains("got INT") && !first.value.contains("got TERM"), "\(first.value)")
    #expect(second.value.contains("got TERM"), "\(second.value)")
  }

  @Test("a well-behaved command stops at the signal, without waiting for the grace")
  func lifelineBreakWithCooperativeCommand() async throws {
    let keeper = try Keeper()
    let process = try launch("sleep 100", keeper: keeper, killAfter: .seconds(5))
    try await Task.sleep(for: .milliseconds(100))
    let clock = ContinuousClock()
    let cut = clock.now
    keeper.cut()
    #expect(await process.waitForExit(timeout: .seconds(10)) != nil)
    #expect(cut.duration(to: clock.now) < .seconds(3))
    #expect(ChildProcessTests.livingMembers(ofGroup: process.pid).isEmpty)
  }

  @Test("the keeper reports the command's code or signal exactly", arguments: [
    ("exit 0", TerminationStatus.exited(0)), ("exit 3", .exited(3)), ("kill -INT $$", .signaled(.interrupt)),
    ("kill -TERM $$", .signaled(.terminate)), ("kill -KILL $$", .signaled(.kill)),
    ("kill -SEGV $$", .signaled(ProcessSignal(number: SIGSEGV))), ("exit 255", .exited(255)),
  ])
  func statusIsMirrored(line: String, expected: TerminationStatus) async throws {
    let keeper = try Keeper()
    let process = try launch(line, keeper: keeper)
    #expect(await process.waitForExit(timeout: .seconds(10)) == expected)
  }

  @Test("the command leads a group of its own: its pid, as the command sees it")
  func commandLeadsItsGroup() async throws {
    let keeper = try Keeper()
    let lines = Box<[String]>([])
    let process = try launch("echo pid $$; sleep 100", keeper: keeper, lines: lines)
    #expect(try await reportedPID("pid ", in: lines) == process.pid)
    #expect(getpgid(process.pid) == process.pid)
    #expect(getpgid(process.pid) != getpgid(keeper.server.pid))
    await process.stop(signal: .terminate, killAfter: .seconds(5))
  }

  @Test("the command starts with no signal ignored or blocked, though the keeper outlives SIGTERM, SIGINT, SIGPIPE…")
  func commandGetsDefaultSignals() async throws {
    let keeper = try Keeper()
    let lines = Box<[String]>([])
    let process = try launch("exec grep -E '^Sig(Ign|Blk)' /proc/self/status", keeper: keeper, lines: lines)
    #expect(await process.waitForExit() == .exited(0))
    await process.waitForOutput(timeout: .seconds(5))
    #expect(lines.value.sorted() == ["SigBlk:\t0000000000000000", "SigIgn:\t0000000000000000"])
    // The keeper itself still outlives them: caught (and dropped), not ignored.
    let status = try String(contentsOfFile: "/proc/\(keeper.server.pid)/status", encoding: .utf8)
    let caught = status.split(separator: "\n").first { $0.hasPrefix("SigCgt:") }.flatMap { UInt64($0.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16) }
    for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE] {
      #expect((caught ?? 0) & (1 << UInt64(signal - 1)) != 0, "signal \(signal) not caught by the keeper")
    }
    keeper.cut()
  }

  @Test("a group stop signal reaches the command and the keeper reports it")
  func groupSignalReachesTheCommand() async throws {
    let keeper = try Keeper()
    let process = try launch("sleep 100", keeper: keeper)
    try await Task.sleep(for: .milliseconds(50))
    let status = await process.stop(signal: .interrupt, killAfter: .seconds(5))
    #expect(status == .signaled(.interrupt))
  }

  @Test("two commands run at once, each with its own output and status")
  func twoCommandsAtOnce() async throws {
    let keeper = try Keeper()
    let first = Box<[String]>([]), second = Box<[String]>([])
    // Each waits for the other's file, so they can only finish if both run at the same time.
    let folder = try ChildProcessTests.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let one = try launch(
      "touch \(folder)/one; while [ ! -e \(folder)/two ]; do sleep 0.01; done; echo one done; exit 3", keeper: keeper, lines: first)
    let two = try launch(
      "touch \(folder)/two; while [ ! -e \(folder)/one ]; do sleep 0.01; done; echo two done; kill -USR1 $$", keeper: keeper, lines: second)
    #expect(one.pid != two.pid)
    #expect(await one.waitForExit(timeout: .seconds(20)) == .exited(3))
    #expect(await two.waitForExit(timeout: .seconds(20)) == .signaled(ProcessSignal(number: SIGUSR1)))
    await one.waitForOutput(timeout: .seconds(2))
    await two.waitForOutput(timeout: .seconds(2))
    #expect(first.value == ["one done"])
    #expect(second.value == ["two done"])
  }

  @Test("many commands started from many tasks at once all start and report their own status")
  func concurrentLaunches() async throws {
    let keeper = try Keeper()
    let statuses = try await withThrowingTaskGroup(of: (Int32, TerminationStatus?).self) { group in
      for code in Int32(1)...Int32(24) {
        group.addTask {
          let process = try launch("exit \(code)", keeper: keeper)
          return (code, await process.waitForExit(timeout: .seconds(20)))
        }
      }
      return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
    }
    for code in Int32(1)...Int32(24) { #expect(statuses[code] == .exited(code)) }
  }

  @Test("an exec that fails still gives the clear error, and the keeper goes on serving")
  func execFailureThroughTheKeeper() async throws {
    let keeper = try Keeper()
    let folder = try ChildProcessTests.temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try ChildProcessTests.writeFile(folder + "/script.sh", "#!/bin/sh\necho hi\n", mode: 0o644)
    let denied = ProcessLaunch(executable: "./script.sh", arguments: ["./script.sh"], environment: [:], workingDirectory: folder)
    let error = #expect(throws: LaunchError.self) { try ChildProcess.launch(denied, server: keeper.server) { _, _ in } }
    #expect(error?.description == "cannot start ./script.sh: permission denied (is it executable? `chmod +x ./script.sh`)")
    let missing = ProcessLaunch(executable: "/nonexistent/tool", arguments: ["tool"], environment: [:], workingDirectory: folder)
    #expect(throws: LaunchError.notFound("tool")) { try ChildProcess.launch(missing, server: keeper.server) { _, _ in } }
    let nowhere = ProcessLaunch(executable: "/bin/sh", arguments: ["/bin/sh", "-c", "true"], environment: [:], workingDirectory: folder + "/gone")
    let folderError = #expect(throws: LaunchError.self) { try ChildProcess.launch(nowhere, server: keeper.server) { _, _ in } }
    #expect(folderError?.description == "cannot start /bin/sh: working directory \(folder)/gone does not exist")
    let process = try launch("exit 7", keeper: keeper)
    #expect(await process.waitForExit(timeout: .seconds(10)) == .exited(7))
    #expect(keeper.server.isConnected)
  }

  @Test("an environment larger than one message reaches the command whole")
  func largeEnvironment() async throws {
    let keeper = try Keeper()
    var big = try ProcessLaunch.resolving(
      .shell("echo ${#BIG} ${#BIG2} $LAST"), environment: [:], workingDirectory: "/tmp")
    big.environment = ["BIG": String(repeating: "x", count: 100_000), "BIG2": String(repeating: "y", count: 90_000), "LAST": "end"]
    let lines = Box<[String]>([])
    let process = try ChildProcess.launch(big, server: keeper.server) { _, line in lines.modify { $0.append(line) } }
    #expect(await process.waitForExit(timeout: .seconds(10)) == .exited(0))
    await process.waitForOutput(timeout: .seconds(2))
    #expect(lines.value == ["100000 90000 end"])
    // The request after it is read from a clean start.
    let next = try launch("exit 5", keeper: keeper)
    #expect(await next.waitForExit(timeout: .seconds(10)) == .exited(5))
  }

  @Test("a keeper that dies while pipeline lives: its commands are stopped and reported, and it is said")
  func keeperDeath() async throws {
    let keeper = try Keeper()
    let lines = Box<[String]>([])
    let process = try launch(
      "trap 'echo got TERM; exit 0' TERM; echo ready; while :; do sleep 0.05; done", keeper: keeper, killAfter: .seconds(10), lines: lines)
    #expect(await eventually { lines.value.contains("ready") })
    #expect(kill(keeper.server.pid, SIGKILL) == 0)
    #expect(await process.waitForExit(timeout: .seconds(15)) == .signaled(.kill))
    #expect(try await groupEnds(process.pid))
    await process.waitForOutput(timeout: .seconds(2))
    #expect(lines.value.contains("got TERM"), "pipeline stopped it with its own signal: \(lines.value)")
    #expect(await eventually { !keeper.losses.value.isEmpty })
    let loss = try #require(keeper.losses.value.first)
    #expect(loss.status == .signaled(.kill))
    #expect(loss.orphans == [process.pid])
    #expect(!keeper.server.isConnected)
    let refused = ProcessLaunch(executable: "/bin/true", arguments: ["true"], environment: [:], workingDirectory: "/tmp")
    #expect(throws: LaunchError.self) { try ChildProcess.launch(refused, server: keeper.server) { _, _ in } }
  }

  @Test("a keeper that dies while pipeline lives: what its command left in a group of its own is stopped too")
  func keeperDeathStopsWhatLeftTheGroup() async throws {
    let keeper = try Keeper()
    let lines = Box<[String]>([])
    // The app's worker in a group of its own ignores the app's SIGTERM: only SIGKILL ends it.
    let process = try launch(
      "exec bash -c 'set -m; sh -c \"trap \\\"\\\" TERM; echo worker \\$\\$; exec sleep 30\" & wait'",
      keeper: keeper, killAfter: .milliseconds(300), lines: lines)
    let worker = try await reportedPID("worker ", in: lines)
    #expect(getsid(worker) == process.pid && getpgid(worker) == worker, "in a group of its own")
    #expect(kill(keeper.server.pid, SIGKILL) == 0)
    #expect(await process.waitForExit(timeout: .seconds(15)) == .signaled(.kill))
    #expect(try await groupEnds(worker), "the worker outlived its keeper: \(ChildProcessTests.livingMembers(ofGroup: worker))")
  }

  @Test("a command inherits no socket or pipe but its own output: not pipeline's end of the keeper's socket")
  func noKeeperDescriptorLeaks() async throws {
    let keeper = try Keeper()
    let lines = Box<[String]>([])
    // `ls` lists the shell's descriptors from outside, so that none is its own.
    let process = try launch("ls -l /proc/$$/fd", keeper: keeper, lines: lines)
    #expect(await process.waitForExit(timeout: .seconds(10)) == .exited(0))
    await process.waitForOutput(timeout: .seconds(2))
    // "lr-x------ 1 user user 64 … 1 -> pipe:[123]": the descriptor and its target.
    let descriptors = lines.value.compactMap { line -> (String, String)? in
      guard let arrow = line.range(of: " -> ") else { return nil }
      return (String(line[..<arrow.lowerBound].split(separator: " ").last ?? ""), String(line[arrow.upperBound...]))
    }
    #expect(descriptors.contains { $0.0 == "1" && $0.1.hasPrefix("pipe:") }, "\(lines.value)")
    let others = descriptors.filter { !["0", "1", "2"].contains($0.0) }.map { "\($0.0) \($0.1)" }
    #expect(!others.contains { $0.contains("socket:") || $0.contains("pipe:") }, "leaked: \(others)")
  }

  @Test("a listening socket arrives as descriptor 3 with LISTEN_FDS and the command's own LISTEN_PID")
  func socketIsHandedOn() async throws {
    let keeper = try Keeper()
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    #expect(socket >= 0)
    defer { close(socket) }
    var launch = try ProcessLaunch.resolving(
      .shell("echo fds=$LISTEN_FDS pid=$LISTEN_PID self=$$ names=$LISTEN_FDNAMES; [ -e /proc/self/fd/3 ] && echo has3; [ -e /proc/self/fd/4 ] || echo no4"),
      environment: ProcessInfo.processInfo.environment.merging(["LISTEN_PID": "1", "LISTEN_FDS": "9"]) { $1 }, workingDirectory: "/tmp")
    launch.listeningSocket = socket
    let lines = Box<[String]>([])
    let process = try ChildProcess.launch(launch, server: keeper.server) { _, line in lines.modify { $0.append(line) } }
    #expect(await process.waitForExit(timeout: .seconds(10)) == .exited(0))
    await process.waitForOutput(timeout: .seconds(2))
    let first = try #require(lines.value.first)
    let fields = Dictionary(uniqueKeysWithValues: first.split(separator: " ").map {
      let pair = $0.split(separator: "=", maxSplits: 1)
      return (String(pair[0]), pair.count > 1 ? String(pair[1]) : "")
    })
    #expect(fields["fds"] == "1")
    #expect(fields["names"] == "pipeline")
    #expect(fields["pid"] == fields["self"], "LISTEN_PID is the command's own pid: \(first)")
    #expect(lines.value.contains("has3"))
    #expect(lines.value.contains("no4"), "nothing of pipeline's or the keeper's leaks past 3: \(lines.value)")
  }

  @Test("standard input can be fed through a pipe")
  func inputPipe() async throws {
    var launch = try ProcessLaunch.resolving(
      .shell("read line; echo got $line"), environment: ProcessInfo.processInfo.environment, workingDirectory: "/tmp")
    launch.standardInput = .pipe
    let lines = Box<[String]>([])
    let process = try ChildProcess.launch(launch) { _, line in lines.modify { $0.append(line) } }
    process.writeInput(Array("hello\n".utf8))
    #expect(await process.waitForExit(timeout: .seconds(10)) == .exited(0))
    await process.waitForOutput(timeout: .seconds(2))
    #expect(lines.value == ["got hello"])
  }
}
