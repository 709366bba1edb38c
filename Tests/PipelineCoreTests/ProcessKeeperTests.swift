import Foundation
import Glibc
import Testing

@testable import PipelineCore

/// The keeper, tested on its own: a test holds a lifeline of its own and closes it, playing
/// the part of a `pipeline` killed with SIGKILL.
@Suite("ProcessKeeper", .serialized)
struct ProcessKeeperTests {
  /// A lifeline whose write end the test owns.
  final class Lifeline: Sendable {
    let read: Int32
    let write: Int32
    init() {
      var fds: [Int32] = [-1, -1]
      precondition(pipe(&fds) == 0)
      read = fcntl(fds[0], F_DUPFD_CLOEXEC, 64)
      write = fcntl(fds[1], F_DUPFD_CLOEXEC, 64)
      close(fds[0])
      close(fds[1])
    }
    /// What the kernel does when `pipeline` dies.
    func cut() { close(write) }
    deinit { close(read) }
  }

  func launch(_ line: String, lifeline: Lifeline, signal: ProcessSignal = .terminate, killAfter: Duration = .milliseconds(300), lines: Box<[String]> = Box([])) throws -> ChildProcess {
    var launch = try ProcessLaunch.resolving(.shell(line), environment: ProcessInfo.processInfo.environment, workingDirectory: "/tmp")
    launch.stopSignal = signal
    launch.killAfter = killAfter
    return try ChildProcess.launch(launch, lifeline: lifeline.read) { _, line in lines.modify { $0.append(line) } }
  }

  @Test("the keeper is found next to the test runner, as next to pipeline")
  func keeperIsBuilt() {
    #expect(ProcessKeeper.isAvailable, "expected \(ProcessKeeper.expectedLocation)")
  }

  @Test("when the lifeline breaks, the whole group gets the stop signal, then SIGKILL after the grace")
  func lifelineBreakStopsTheGroup() async throws {
    let lifeline = Lifeline()
    let lines = Box<[String]>([])
    // The child ignores SIGTERM, so only the SIGKILL after the grace can end it.
    let process = try launch(
      "trap 'echo got TERM' TERM; sh -c \"trap '' TERM; echo child \\$\\$; while :; do sleep 0.05; done\" & wait; wait",
      lifeline: lifeline, killAfter: .milliseconds(400), lines: lines)
    #expect(process.isKept)
    var child: pid_t?
    for _ in 0..<200 where child == nil {
      child = lines.value.lazy.compactMap { $0.hasPrefix("child ") ? pid_t($0.dropFirst(6)) : nil }.first
      try await Task.sleep(for: .milliseconds(10))
    }
    let grandchild = try #require(child)
    let clock = ContinuousClock()
    let cut = clock.now
    lifeline.cut()
    let status = await process.waitForExit(timeout: .seconds(10))
    #expect(status == .signaled(.kill))
    var gone = false
    for _ in 0..<300 where !gone {
      gone = ChildProcessTests.livingMembers(ofGroup: process.pid).isEmpty
      if !gone { try await Task.sleep(for: .milliseconds(10)) }
    }
    #expect(gone, "group members left: \(ChildProcessTests.livingMembers(ofGroup: process.pid))")
    #expect(!ChildProcessTests.isLiving(grandchild))
    #expect(cut.duration(to: clock.now) >= .milliseconds(350), "the grace period is honoured")
    await process.waitForOutput(timeout: .seconds(2))
    #expect(lines.value.contains("got TERM"), "the stop signal came first: \(lines.value)")
  }

  @Test("a well-behaved command stops at the signal, without waiting for the grace")
  func lifelineBreakWithCooperativeCommand() async throws {
    let lifeline = Lifeline()
    let process = try launch("sleep 100", lifeline: lifeline, killAfter: .seconds(5))
    try await Task.sleep(for: .milliseconds(100))
    let clock = ContinuousClock()
    let cut = clock.now
    lifeline.cut()
    #expect(await process.waitForExit(timeout: .seconds(10)) != nil)
    #expect(cut.duration(to: clock.now) < .seconds(3))
    #expect(ChildProcessTests.livingMembers(ofGroup: process.pid).isEmpty)
  }

  @Test("the keeper exits with the command's code or signal", arguments: [
    ("exit 0", TerminationStatus.exited(0)), ("exit 3", .exited(3)), ("kill -INT $$", .signaled(.interrupt)),
    ("kill -TERM $$", .signaled(.terminate)), ("kill -KILL $$", .signaled(.kill)),
  ])
  func statusIsMirrored(line: String, expected: TerminationStatus) async throws {
    let lifeline = Lifeline()
    let process = try launch(line, lifeline: lifeline)
    #expect(await process.waitForExit(timeout: .seconds(10)) == expected)
  }

  @Test("a group stop signal reaches the command and the keeper reports it")
  func groupSignalReachesTheCommand() async throws {
    let lifeline = Lifeline()
    let process = try launch("sleep 100", lifeline: lifeline)
    try await Task.sleep(for: .milliseconds(50))
    let status = await process.stop(signal: .interrupt, killAfter: .seconds(5))
    #expect(status == .signaled(.interrupt))
  }

  @Test("a listening socket arrives as descriptor 3 with LISTEN_FDS and the command's own LISTEN_PID")
  func socketIsHandedOn() async throws {
    let lifeline = Lifeline()
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    #expect(socket >= 0)
    defer { close(socket) }
    var launch = try ProcessLaunch.resolving(
      .shell("echo fds=$LISTEN_FDS pid=$LISTEN_PID self=$$; [ -e /proc/self/fd/3 ] && echo has3"),
      environment: ProcessInfo.processInfo.environment, workingDirectory: "/tmp")
    launch.listeningSocket = socket
    let lines = Box<[String]>([])
    let process = try ChildProcess.launch(launch, lifeline: lifeline.read) { _, line in lines.modify { $0.append(line) } }
    #expect(await process.waitForExit(timeout: .seconds(10)) == .exited(0))
    await process.waitForOutput(timeout: .seconds(2))
    let first = try #require(lines.value.first)
    let fields = Dictionary(uniqueKeysWithValues: first.split(separator: " ").map {
      let pair = $0.split(separator: "=", maxSplits: 1)
      return (String(pair[0]), pair.count > 1 ? String(pair[1]) : "")
    })
    #expect(fields["fds"] == "1")
    #expect(fields["pid"] == fields["self"], "LISTEN_PID is the command's own pid: \(first)")
    #expect(lines.value.contains("has3"))
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
