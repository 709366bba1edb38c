import Foundation
import PipelineCore
@preconcurrency import Glibc
import Testing

/// The supervisor's promises that need the real binary: nothing survives `kill -9` of
/// `pipeline`, crash loops back off, and `ready`, `artifact` and `socket` do their jobs.
@Suite(.serialized)
struct SupervisorTests {
  /// Waits up to `timeout` for every pid to be gone.
  static func allGone(_ pids: [Int32], timeout: Duration) async -> Bool {
    for pid in pids where !(await waitUntilGone(pid, timeout: timeout)) { return false }
    return true
  }

  @Test func sigkillOfPipelineLeavesNoProcessBehind() async throws {
    let project = try AppFixture.make()
    // A test stage that hangs, so a command is running too when pipeline dies.
    try project.write("pipeline.yaml", AppFixture.pipeline() + """

        - stage: test
          after: restart
          run: sh -c 'echo $$ > tmp/test.pid; sleep 1000 & echo $! > tmp/test-child.pid; wait'
      """)
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")
    let files = ["tmp/app.pid", "tmp/child.pid", "tmp/test.pid", "tmp/test-child.pid"]
    // A pid file exists, empty, a moment before its pid is in it.
    #expect(await run.waitUntil { files.allSatisfy { project.pid($0) != nil } }, "\(run.transcript)")
    let pids = files.compactMap(project.pid)
    #expect(pids.count == 4 && pids.allSatisfy(processExists), "\(pids)")

    kill(run.process.commandPID, SIGKILL)
    _ = await run.exitStatus()
    #expect(await Self.allGone(pids, timeout: .seconds(6)), "left behind: \(pids.filter(processExists))")
    #expect(project.read("tmp/lifecycle.log") == "start v1\nstop v1\n", "the app got its graceful signal first")
  }

  @Test func sigkillOfPipelineStopsEachGroupWithItsOwnSignalThenItsGrace() async throws {
    let project = try AppFixture.make()
    // A long test whose stage stops it with SIGUSR1 (the app's is SIGTERM), and whose child
    // ignores that signal: only the SIGKILL after the stage's 1500ms can end the child.
    try project.write("test.sh", """
      trap 'echo USR1 >> tmp/test-signals.log' USR1
      trap 'echo TERM >> tmp/test-signals.log' TERM
      echo $$ > tmp/test.pid
      sh -c 'trap "" USR1 TERM; echo $$ > tmp/stubborn.pid; while :; do sleep 0.05; done' &
      wait; wait
      """)
    try project.write("pipeline.yaml", AppFixture.pipeline() + """

        - stage: test
          after: restart
          run: sh test.sh
          signal: SIGUSR1
          kill_after: 1500ms
      """)
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")
    let files = ["tmp/app.pid", "tmp/child.pid", "tmp/test.pid", "tmp/stubborn.pid"]
    #expect(await run.waitUntil { files.allSatisfy { project.pid($0) != nil } }, "\(run.transcript)")
    let pids = files.compactMap(project.pid)
    #expect(pids.count == 4 && pids.allSatisfy(processExists), "\(pids)")
    let stubborn = try #require(project.pid("tmp/stubborn.pid"))

    let clock = ContinuousClock()
    let killed = clock.now
    kill(run.process.commandPID, SIGKILL)
    _ = await run.exitStatus()
    // kill_after (1.5 s) plus a generous margin for a loaded machine.
    #expect(await Self.allGone(pids, timeout: .seconds(12)), "left behind: \(pids.filter(processExists))")
    #expect(killed.duration(to: clock.now) >= .milliseconds(1400), "the test's grace was honoured before SIGKILL")
    #expect(!processExists(stubborn))
    #expect(project.read("tmp/lifecycle.log") == "start v1\nstop v1\n", "the app got its own signal, SIGTERM")
    #expect(project.read("tmp/test-signals.log") == "USR1\n", "the test got its own signal, SIGUSR1")
  }

  /// The `pipeline-keeper` whose parent is `pid`.
  static func keeper(of pid: Int32) -> Int32? {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).first { candidate in
      guard let stat = try? String(contentsOfFile: "/proc/\(candidate)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")"), let open = stat.firstIndex(of: "(")
      else { return false }
      let name = stat[stat.index(after: open)..<close]
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      return name == "pipeline-keeper" && fields.count > 1 && Int32(fields[1]) == pid
    }
  }

  @Test func aKeeperKilledWhilePipelineRunsIsReportedItsAppStoppedAndANewKeeperServes() async throws {
    let project = try AppFixture.make()
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")
    let keeper = try #require(Self.keeper(of: run.process.commandPID), "no pipeline-keeper under pipeline")
    let app = try #require(project.pid("tmp/app.pid"))
    kill(keeper, SIGKILL)
    #expect(await run.waitForLine(containing: "the process keeper (pid \(keeper)) ended unexpectedly (killed by SIGKILL)"), "\(run.transcript)")
    #expect(await waitUntilGone(app, timeout: .seconds(10)), "the unguarded app was stopped")
    #expect(await run.waitUntil { project.read("tmp/lifecycle.log") == "start v1\nstop v1\n" }, "with its own signal first")
    try project.write("src/message.txt", "v2")
    #expect(await run.waitForLine(containing: "started a new process keeper"), "\(run.transcript)")
    #expect(await run.waitForLine(containing: "app started: v2"), "\(run.transcript)")
    let second = try #require(Self.keeper(of: run.process.commandPID))
    #expect(second != keeper)
    // Both warnings are events too, so a tool reading the --events log sees them.
    let warnings = run.events("warning").compactMap { $0["message"] as? String }
    #expect(warnings.contains { $0.hasPrefix("the process keeper (pid \(keeper)) ended unexpectedly") }, "\(warnings)")
    #expect(warnings.contains { $0.hasPrefix("started a new process keeper (pid \(second))") }, "\(warnings)")
    #expect(await run.interrupt() == .exited(0))
    #expect(await ProcessProbe.waitUntilNoneLeft(inProject: project.root).isEmpty)
  }

  @Test func anAppThatCrashesAtStartIsBackedOffNotRestartedInATightLoop() async throws {
    let crashing = "echo \"app started: crash\"; echo start >> tmp/lifecycle.log; exit 3\n"
    let project = try AppFixture.make(app: crashing)
    try project.write("pipeline.yaml", AppFixture.pipeline() + "    on_exit: restart\n    backoff: 100ms\n    max_backoff: 400ms\n")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: crash", count: 5, timeout: .seconds(20)), "\(run.transcript)")
    let delays = run.events("app-exited").compactMap { Double($0["restart_in"] as? String ?? "") }
    #expect(delays.prefix(4) == [0.1, 0.2, 0.4, 0.4], "the delay doubles up to max_backoff: \(delays)")
    #expect(run.output.contains { $0.contains("app exited with status 3") && $0.contains("restarting in 400ms (4 exits in a row)") }, "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
  }

  @Test func byDefaultAnAppThatExitsWaitsForTheNextChange() async throws {
    let project = try AppFixture.make(app: "echo \"app started: $(cat tmp/message.txt)\"; exit 3\n")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app exited with status 3"), "\(run.transcript)")
    #expect(run.output.contains { $0.contains("waiting for the next change") }, "\(run.transcript)")
    try await Task.sleep(for: .milliseconds(600))
    #expect(run.output.filter { $0.contains("app started:") }.count == 1, "no restart without a change: \(run.transcript)")
    try project.write("src/message.txt", "v2")
    #expect(await run.waitForLine(containing: "app started: v2"), "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  @Test func readyWaitsForTheOutputLineAndReportsTheTimeFromTheChange() async throws {
    let slow = """
      echo "app started: $(cat tmp/message.txt)"
      sleep 0.3
      echo "now listening"
      exec sleep 1000
      """
    let project = try AppFixture.make(app: slow)
    try project.write("pipeline.yaml", AppFixture.pipeline() + "    ready: {output: \"now listen\", timeout: 10s}\n")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "ready "), "\(run.transcript)")
    try project.write("src/message.txt", "v2")
    #expect(await run.waitForLine(containing: "app started: v2"), "\(run.transcript)")
    #expect(await run.waitForLine(containing: "ready ", count: 2), "\(run.transcript)")
    let ready = try #require(run.events("app-ready").last)
    let sinceStart = Double(ready["since_start"] as? String ?? "") ?? 0
    let sinceChange = Double(ready["since_change"] as? String ?? "") ?? 0
    #expect(sinceStart >= 0.3, "ready only after the line: \(ready)")
    #expect(sinceChange >= sinceStart, "the change came before the start: \(ready)")
    #expect(await run.interrupt() == .exited(0))
  }

  @Test("a ready port that another process holds before the start is named, and its answers do not make the app ready")
  func readyPortHeldByAnotherProcess() async throws {
    let (listener, port) = try Loopback.listen()
    defer { close(listener) }
    let project = try AppFixture.make()
    try project.write("pipeline.yaml", AppFixture.pipeline() + "    ready: {port: \(port), timeout: 700ms}\n")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "not ready after 700ms"), "\(run.transcript)")
    #expect(
      run.output.contains {
        $0.contains("port \(port) already accepts connections before the app starts") && $0.contains("pid \(getpid())")
      }, "\(run.transcript)")
    #expect(run.events("app-ready").isEmpty, "another process's answers made the app ready: \(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  @Test("the ready line gives the time since the change when a filter stage comes before restart")
  func readyReportsTheTimeFromTheChangeThroughAFilter() async throws {
    let app = """
      echo "app started: $(cat src/message.txt)"
      sleep 0.2
      echo "now listening"
      exec sleep 1000
      """
    let project = try AppFixture.make(app: app)
    try project.write(
      "pipeline.yaml",
      """
      stages:
        - stage: watch
          paths: [src]
        - stage: debounce
          window: 30ms
        - stage: filter
          include: ["src/*.txt"]
        - stage: restart
          run: sh app.sh
          ready: {output: "now listen", timeout: 10s}
      """)
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "] ready "), "\(run.transcript)")
    #expect(!run.output.contains { $0.contains("after the change") }, "the startup has no change: \(run.transcript)")
    try project.write("src/message.txt", "v2")
    #expect(await run.waitForLine(containing: "app started: v2"), "\(run.transcript)")
    #expect(await run.waitForLine(containing: "] ready ", count: 2), "\(run.transcript)")
    let line = try #require(run.output.last { $0.contains("] ready ") })
    #expect(line.contains(" after start, ") && line.contains(" after the change (a line matches /now listen/)"), "\(line)")
    let ready = try #require(run.events("app-ready").last)
    let sinceStart = try #require(Double(ready["since_start"] as? String ?? ""), "\(ready)")
    let sinceChange = try #require(Double(ready["since_change"] as? String ?? ""), "no since_change: \(ready)")
    #expect(sinceChange >= sinceStart, "the change came before the start: \(ready)")
    #expect(await run.interrupt() == .exited(0))
  }

  @Test func readyWaitsForThePortToAcceptConnections() async throws {
    let port = try Loopback.freePort()
    let slow = """
      echo "app started: $(cat tmp/message.txt)"
      sleep 0.3
      exec perl -MIO::Socket::INET -e '
        my $listener = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => \(port), Listen => 5, ReuseAddr => 1) or die "listen: $!";
        while (my $client = $listener->accept) { print $client "up\\n"; close $client }'
      """
    let project = try AppFixture.make(app: slow)
    try project.write("pipeline.yaml", AppFixture.pipeline() + "    ready: {port: \(port), timeout: 10s}\n")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "ready "), "\(run.transcript)")
    // The restart counts as done only once the port accepts: it does at that moment.
    #expect(Loopback.fetch(port: port, timeout: .seconds(5))?.hasPrefix("up") == true, "\(run.transcript)")
    let ready = try #require(run.events("app-ready").first)
    #expect((Double(ready["since_start"] as? String ?? "") ?? 0) >= 0.3, "ready only once the port listens: \(ready)")
    #expect(run.output.contains { $0.contains("port \(port) accepts connections") }, "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  @Test func anUnchangedArtifactKeepsTheRunningApp() async throws {
    let project = try AppFixture.make()
    try project.write("pipeline.yaml", AppFixture.pipeline() + "    artifact: tmp/message.txt\n")
    try project.write("src/notes.txt", "a")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")
    let first = try #require(project.pid("tmp/app.pid"))

    try project.write("src/notes.txt", "b")  // rebuilt, but the built file is the same
    #expect(await run.waitForLine(containing: "is unchanged: the running app"), "\(run.transcript)")
    #expect(processExists(first))
    #expect(run.output.filter { $0.contains("app started:") }.count == 1)

    try project.write("src/message.txt", "v2")
    #expect(await run.waitForLine(containing: "app started: v2"), "\(run.transcript)")
    #expect(!processExists(first))
    #expect(await run.interrupt() == .exited(0))
  }

  @Test func withStdinWhatIsTypedReachesTheAppAcrossRestarts() async throws {
    let echo = """
      message=$(cat tmp/message.txt)
      echo "app started: $message"
      while read line; do echo "$message got $line"; done
      """
    let project = try AppFixture.make(app: echo)
    try project.write("pipeline.yaml", AppFixture.pipeline() + "    stdin: true\n")
    let run = try PipelineRun(["run"], in: project.root, typing: true)
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")
    run.type("hello\n")
    #expect(await run.waitForLine(containing: "v1 got hello"), "\(run.transcript)")
    try project.write("src/message.txt", "v2")
    #expect(await run.waitForLine(containing: "app started: v2"), "\(run.transcript)")
    run.type("again\n")
    #expect(await run.waitForLine(containing: "v2 got again"), "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  /// Supervisor.md: when `pipeline`'s own input ends, nothing more is forwarded, and the app's
  /// pipe stays open: an app that quits at end of file keeps running, and so does the next one.
  @Test func theEndOfPipelinesInputIsNotTheEndOfTheApps() async throws {
    let echo = """
      message=$(cat tmp/message.txt)
      echo "app started: $message"
      while read line; do echo "$message got $line"; done
      echo "$message saw the end of its input"
      sleep 1000
      """
    let project = try AppFixture.make(app: echo)
    try project.write("pipeline.yaml", AppFixture.pipeline() + "    stdin: true\n")
    let run = try PipelineRun(["run"], in: project.root, typing: true)
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")
    run.type("last words\n")
    run.endTyping()
    #expect(await run.waitForLine(containing: "v1 got last words"), "\(run.transcript)")
    try project.write("src/message.txt", "v2")
    #expect(await run.waitForLine(containing: "app started: v2"), "\(run.transcript)")
    try await Task.sleep(for: .seconds(1))
    #expect(!run.transcript.contains("saw the end of its input"), "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  /// CommandLine.md: the line `rs`, typed into `pipeline`, runs the pipeline again as at its
  /// start (nodemon's habit): the build runs and the app restarts, though nothing changed.
  @Test func typingRsRunsThePipelineAgain() async throws {
    let project = try AppFixture.make()
    let run = try PipelineRun(["run"], in: project.root, typing: true)
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")
    let firstPID = project.read("tmp/app.pid")
    run.type("rs\n")
    #expect(await run.waitForLine(containing: "[pipeline] rs: the pipeline runs again, as at its start"), "\(run.transcript)")
    #expect(await run.waitForLine(containing: "app started: v1", count: 2), "\(run.transcript)")
    #expect(project.read("tmp/app.pid") != firstPID, "a new instance: \(run.transcript)")
    #expect(project.lines("tmp/lifecycle.log") == ["start v1", "stop v1", "start v1"], "\(run.transcript)")
    // Blanks around it do not matter; any other line does nothing.
    run.type("  rs \r\nrestart\nrsx\n")
    #expect(await run.waitForLine(containing: "app started: v1", count: 3), "\(run.transcript)")
    try await Task.sleep(for: .milliseconds(500))
    #expect(run.events("run-requested").count == 2, "\(run.transcript)")
    #expect(run.output.filter { $0.contains("app started: v1") }.count == 3, "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  /// With `stdin: true` the app takes what is typed, `rs` too. After a reload of the pipeline,
  /// the new pipeline's app gets the input (the old one's reader is gone); after a reload to a
  /// pipeline without `stdin: true`, `rs` runs the pipeline again.
  @Test func withStdinTheAppGetsRsAndAReloadHandsTheInputOver() async throws {
    let echo = """
      message=$(cat tmp/message.txt)
      echo "app started: $message"
      while read line; do echo "$message got $line"; done
      sleep 1000
      """
    let project = try AppFixture.make(app: echo)
    try project.write("pipeline.yaml", AppFixture.pipeline() + "    stdin: true\n")
    let run = try PipelineRun(["run"], in: project.root, typing: true)
    #expect(await run.waitForLine(containing: "app started: v1"), "\(run.transcript)")
    run.type("rs\n")
    #expect(await run.waitForLine(containing: "v1 got rs"), "\(run.transcript)")

    try project.write("pipeline.yaml", AppFixture.pipeline() + "    stdin: true\nenv:\n  RELOADED: \"1\"\n")
    #expect(await run.waitForLine(containing: "app started: v1", count: 2), "\(run.transcript)")
    for line in 1...4 { run.type("line \(line)\n") }
    #expect(await run.waitForLine(containing: "v1 got line 4"), "\(run.transcript)")
    #expect(run.output.filter { $0.contains("v1 got line") }.count == 4, "every line reached the new app: \(run.transcript)")

    try project.write("pipeline.yaml", AppFixture.pipeline())
    #expect(await run.waitForLine(containing: "app started: v1", count: 3), "\(run.transcript)")
    run.type("rs\n")
    #expect(await run.waitForLine(containing: "app started: v1", count: 4), "\(run.transcript)")
    #expect(run.events("run-requested").count == 1, "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  /// A string `run:` goes through the shell, which says only "Permission denied" when the
  /// program is not executable: the exit line says what status 126 means and what to do.
  @Test func anAppTheShellCannotExecuteGetsAHelpLine() async throws {
    let project = try AppFixture.make()
    try project.write("tmp/app", "#!/bin/sh\necho never\n")
    try project.write("pipeline.yaml", """
      stages:
        - stage: watch
          paths: [src]
        - stage: restart
          run: ./tmp/app --port 8080
      """)
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app exited with status 126"), "\(run.transcript)")
    #expect(await run.waitForLine(
      containing: "help: status 126 is the shell saying it cannot execute ./tmp/app: is it executable (chmod +x ./tmp/app)"),
      "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  @Test func theSocketIsHeldAcrossRestartsSoNoConnectionIsRefused() async throws {
    let port = try Loopback.freePort()
    // The app accepts on the socket pipeline hands it as fd 3 and answers with its message.
    let server = """
      message=$(cat tmp/message.txt)
      echo "start $message" >> tmp/lifecycle.log
      echo "app started: $message fds=$LISTEN_FDS"
      exec perl -MIO::Socket::INET -e '
        $SIG{TERM} = sub { exit 0 };
        my $listener = IO::Socket::INET->new_from_fd(3, "r+") or die "no fd 3: $!";
        while (my $client = $listener->accept) { print $client "'"$message"'\\n"; close $client }'
      """
    let project = try AppFixture.make(app: server)
    try project.write("pipeline.yaml", AppFixture.pipeline() + "    socket: 127.0.0.1:\(port)\n")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started: v1 fds=1"), "\(run.transcript)")
    #expect(Loopback.fetch(port: port, timeout: .seconds(10))?.trimmingCharacters(in: .whitespacesAndNewlines) == "v1")

    try project.write("src/message.txt", "v2")
    var answers: [String] = []
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .seconds(20))
    while answers.last != "v2", clock.now < deadline {
      answers.append(Loopback.fetch(port: port, timeout: .seconds(10))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "refused")
    }
    #expect(answers.last == "v2", "\(run.transcript)")
    #expect(!answers.contains("refused"), "every connection during the restart was served: \(Set(answers))")
    #expect(await run.interrupt() == .exited(0))
  }
}
