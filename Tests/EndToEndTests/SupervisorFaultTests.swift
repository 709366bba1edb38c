import Foundation
import PipelineCore
@preconcurrency import Glibc
import Testing

/// The process supervisor under faults (issue 4), each against the real `pipeline` binary:
/// an app that ignores SIGTERM, a wrapper shell whose child holds a port, changes that keep
/// coming during a slow build, a hung test, a second Ctrl-C, a failing lint.
///
/// Waiting is generous (the machine is shared); what happened is checked exactly, from the
/// fixtures' own logs and from `/proc`, not only from what `pipeline` prints. A plain SIGTERM
/// with a well-behaved app is covered by `ShutdownTests`.
@Suite(.serialized)
struct SupervisorFaultTests {
  // MARK: - kill_after

  @Test func anAppIgnoringSIGTERMIsKilledAfterKillAfterAndOnlyThenReplaced() async throws {
    let project = try FaultFixture.make(
      app: FaultFixture.stubbornApp,
      pipeline: """
        stages:
          - stage: watch
            paths: [src]
          - stage: debounce
            window: 30ms
          - stage: build
            run: sh build.sh
          - stage: restart
            run: [sh, app.sh]
            kill_after: 700ms
        """)
    let run = try PipelineRun(["run"], in: project.root)
    try #require(await run.waitForLine(containing: "app started: v1"), report(run, project))
    let oldChild = try #require(project.pid("tmp/child.pid"))

    try project.write("src/message.txt", "v2")
    try #require(await run.waitForLine(containing: "app started: v2"), report(run, project, "tmp/lifecycle.log"))
    let log = project.lines("tmp/lifecycle.log").compactMap(AppLogLine.init)
    let starts = log.filter { $0.kind == "start" }
    try #require(starts.map(\.message) == ["v1", "v2"], report(run, project, "tmp/lifecycle.log"))
    let (old, new) = (starts[0], starts[1])

    // The app is run as an argv, so the shell running app.sh is the process pipeline started.
    let started = run.events("app-started").compactMap { ($0["pid"] as? String).flatMap(Int32.init) }
    try #require(started == [old.pid, new.pid], "\(started) \(report(run, project, "tmp/lifecycle.log"))")

    // The old instance, its child included, is gone.
    #expect(!processExists(old.pid), "the old app (pid \(old.pid)) is still running")
    #expect(!processExists(oldChild), "the old app's child (pid \(oldChild)) is still running")

    // pipeline waited kill_after, then used SIGKILL.
    let stopping = try #require(
      run.events("app-stopping").first { $0["pid"] as? String == String(old.pid) }, report(run, project))
    let stopped = try #require(
      run.events("app-stopped").first { $0["pid"] as? String == String(old.pid) }, report(run, project))
    #expect(stopped["status"] as? String == "137", "killed by SIGKILL: \(stopped)")
    let stopDuration = Double(stopped["duration"] as? String ?? "") ?? 0
    #expect(stopDuration >= 0.7, "the stop took \(stopDuration)s, less than kill_after (700ms)")

    // The app's own log: it really ignored SIGTERM (it kept ticking during the grace
    // period), and the new instance started only after its last tick and after kill_after.
    let signalled = try #require(eventSeconds(stopping))
    let oldTicks = log.filter { $0.pid == old.pid }.map(\.seconds)
    let lastOldTick = try #require(oldTicks.max())
    #expect(
      lastOldTick > signalled + 0.2,
      "the old app stopped ticking \(lastOldTick - signalled)s after SIGTERM: did it really ignore it? \(report(run, project, "tmp/lifecycle.log"))"
    )
    #expect(
      new.seconds > lastOldTick,
      "two instances overlapped: \(report(run, project, "tmp/lifecycle.log"))")
    #expect(
      new.seconds - signalled >= 0.69,
      "the new app started \(new.seconds - signalled)s after SIGTERM, before kill_after (700ms)")
    #expect(log.filter { $0.pid == new.pid && $0.seconds < lastOldTick }.isEmpty)

    #expect(await run.interrupt() == .exited(0), report(run, project))
    #expect(await ProcessProbe.waitUntilNoneLeft(inProject: project.root).isEmpty, report(run, project))
  }

  // MARK: - A wrapper shell's child holds a port

  @Test func aWrappedServerReleasesItsPortAndTheNewInstanceServesTheNewBuild() async throws {
    let port = try Loopback.freePort()
    let project = try FaultFixture.make(
      app: FaultFixture.server,
      pipeline: """
        stages:
          - stage: watch
            paths: [src]
          - stage: debounce
            window: 30ms
          - stage: build
            run: sh build.sh
          - stage: restart
            run: sh app.sh
            env: { PORT: "\(port)" }
        """)
    let run = try PipelineRun(["run"], in: project.root)
    try #require(await run.waitForLine(containing: "serving v1 on port \(port)"), report(run, project))
    let oldShell = try #require(project.pid("tmp/app.pid"))
    let oldServer = try #require(project.pid("tmp/server.pid"))
    #expect(oldServer != oldShell, "perl must be the shell's child, not the shell itself")
    #expect(Loopback.fetch(port: port) == "v1 from pid \(oldServer)\n", report(run, project))

    try project.write("src/message.txt", "v2")
    // A new server that finds the port taken says so and exits: no need to wait longer then.
    try #require(
      await run.waitUntil { run.output.contains { $0.contains("serving v2 on port \(port)") || $0.contains("cannot listen") } },
      report(run, project))
    #expect(!run.output.contains { $0.contains("cannot listen") }, "the old server still held the port: \(report(run, project))")
    let newServer = try #require(project.pid("tmp/server.pid"))
    #expect(newServer != oldServer)
    #expect(Loopback.fetch(port: port) == "v2 from pid \(newServer)\n", "the port is not served by the new instance: \(report(run, project))")
    #expect(!processExists(oldServer), "the old perl server (pid \(oldServer)) outlived its wrapper shell")
    #expect(!processExists(oldShell), "the old wrapper shell (pid \(oldShell)) is still running")
    let servers = ProcessProbe.processes(inProject: project.root).filter { $0.commandLine.hasPrefix("perl") }
    #expect(servers.map(\.pid) == [newServer], "exactly one server runs: \(servers)")

    #expect(await run.interrupt() == .exited(0), report(run, project))
    #expect(await ProcessProbe.waitUntilNoneLeft(inProject: project.root).isEmpty, report(run, project))
    #expect(Loopback.fetch(port: port) == nil, "the port is still served after pipeline stopped")
  }

  // MARK: - Changes during a slow build

  @Test func twentyChangesDuringAQueuedBuildGiveExactlyOneMoreBuildOfTheFinalContent() async throws {
    let (project, run) = try await twentyChangesDuringABuild(onBusy: "queue")
    try #require(
      await run.waitForLine(containing: "app started: v22", timeout: .seconds(40)),
      report(run, project, "build.log", "tmp/lifecycle.log"))
    // A stale build would start at once after the last one; give it time to show.
    try await Task.sleep(for: .seconds(1))

    #expect(
      project.lines("build.log") == ["build v1", "built v1", "build v2", "built v2", "build v22", "built v22"],
      "the build in progress, then exactly one more of the final content: \(report(run, project, "build.log"))")
    #expect(run.output.filter { $0.hasSuffix("[build] $ sh build.sh") }.count == 3, report(run, project))
    #expect(!run.output.contains { $0.contains("restarted: newer changes arrived") }, report(run, project))
    #expect(
      project.lines("tmp/lifecycle.log") == ["start v1", "stop v1", "start v2", "stop v2", "start v22"],
      "one app instance at a time, the last one of the final content: \(report(run, project, "tmp/lifecycle.log"))")

    #expect(await run.interrupt() == .exited(0), report(run, project))
    #expect(project.lines("tmp/lifecycle.log").last == "stop v22")
    #expect(await ProcessProbe.waitUntilNoneLeft(inProject: project.root).isEmpty, report(run, project))
  }

  @Test func twentyChangesDuringARestartedBuildEndWithOneBuildOfTheFinalContent() async throws {
    let (project, run) = try await twentyChangesDuringABuild(onBusy: "restart")
    try #require(
      await run.waitForLine(containing: "app started: v22", timeout: .seconds(40)),
      report(run, project, "build.log", "tmp/lifecycle.log"))
    try await Task.sleep(for: .seconds(1))

    let log = project.lines("build.log")
    // Only the startup build and the last one ran to the end; the last is of the final
    // content and nothing ran after it.
    #expect(log.filter { $0.hasPrefix("built ") } == ["built v1", "built v22"], report(run, project, "build.log"))
    #expect(log.suffix(2) == ["build v22", "built v22"], report(run, project, "build.log"))
    // Each restarted build read newer content than the one it replaced, never older.
    let versions = log.filter { $0.hasPrefix("build ") }.compactMap { Int($0.dropFirst("build v".count)) }
    #expect(versions.first == 1 && versions.dropFirst().first == 2, "\(versions)")
    #expect(versions == versions.sorted(), "a build ran with older content than the one before: \(versions)")
    // Every build started but the startup one and the last was stopped and reported.
    let started = run.output.filter { $0.hasSuffix("[build] $ sh build.sh") }.count
    let stopped = run.output.filter { $0.hasSuffix("build restarted: newer changes arrived") }.count
    #expect(stopped >= 1 && stopped == started - 2, "\(started) runs, \(stopped) stopped: \(report(run, project, "build.log"))")
    #expect(
      project.lines("tmp/lifecycle.log") == ["start v1", "stop v1", "start v22"],
      "the app restarted once, with the final content: \(report(run, project, "tmp/lifecycle.log"))")

    #expect(await run.interrupt() == .exited(0), report(run, project))
    #expect(await ProcessProbe.waitUntilNoneLeft(inProject: project.root).isEmpty, report(run, project))
  }

  /// Starts a project whose build takes 2s, saves v2 to start a build, and saves v3…v22 —
  /// 20 changes — while that build runs.
  private func twentyChangesDuringABuild(onBusy: String) async throws -> (TemporaryProject, PipelineRun) {
    let project = try FaultFixture.make(
      build: FaultFixture.slowBuild, app: AppFixture.app,
      pipeline: """
        stages:
          - stage: watch
            paths: [src]
          - stage: debounce
            window: 30ms
          - stage: build
            run: sh build.sh
            on_busy: \(onBusy)
          - stage: restart
            run: sh app.sh
        """)
    let run = try PipelineRun(["run"], in: project.root)
    try #require(await run.waitForLine(containing: "app started: v1"), report(run, project, "build.log"))
    // Saved by renaming, so no build can read a half-written file.
    try project.replace("src/message.txt", "v2")
    try #require(await run.waitUntil { project.lines("build.log").last == "build v2" }, report(run, project, "build.log"))
    for version in 3...22 {
      try project.replace("src/message.txt", "v\(version)")
      try await Task.sleep(for: .milliseconds(20))
    }
    try #require(
      project.lines("build.log").filter { $0.hasPrefix("built ") } == ["built v1"],
      "precondition: the 20 changes must all land while a build runs (machine too slow?): \(report(run, project, "build.log"))")
    return (project, run)
  }

  // MARK: - timeout

  @Test func aHungTestIsStoppedAtItsTimeoutAndRunsAgainOnTheNextChange() async throws {
    let project = try FaultFixture.make(
      app: AppFixture.app,
      pipeline: """
        stages:
          - stage: watch
            paths: [src]
          - stage: debounce
            window: 30ms
          - stage: build
            run: sh build.sh
          - stage: test
            run: sleep 100
            timeout: 1s
          - stage: restart
            run: sh app.sh
        """)
    let timedOut =
      "✗ stage 'test' (sleep 100) timed out after 1s and was stopped; waiting for the next change — "
    let run = try PipelineRun(["run"], in: project.root)

    var firstRun: [ProcessProbe.Found] = []
    try #require(
      await run.waitUntil {
        firstRun = ProcessProbe.processes(inProject: project.root).filter { $0.stage == "test" }
        return firstRun.contains { $0.commandLine.hasSuffix("sleep 100") }
      }, "the test never ran: \(report(run, project))")
    // One line says it all: no separate stage line before the cycle's.
    try #require(await run.waitUntil { run.output.contains { $0.hasPrefix(timedOut) } }, report(run, project))
    #expect(run.output.filter { $0.contains("timed out") }.count == 1, report(run, project))
    // The stage reports the timeout once its process group is gone.
    for process in firstRun { #expect(!processExists(process.pid), "still running after the timeout: \(process)") }

    let failed = run.events("stage-failed").filter { $0["stage"] as? String == "test" }
    #expect(failed.count == 1, "\(failed)")
    #expect(failed.first?["status"] as? String == "timeout", "\(failed)")
    let duration = Double(failed.first?["duration"] as? String ?? "") ?? 0
    #expect(duration >= 1.0, "stopped after \(duration)s, before its 1s timeout")
    try #require(await run.waitUntil { !run.events("cycle-finished").isEmpty }, report(run, project))
    #expect(run.events("cycle-finished").first?["result"] as? String == "failed", report(run, project))

    // pipeline keeps running, and the stages after the test did not run.
    try await Task.sleep(for: .milliseconds(500))
    #expect(run.process.status == nil, "pipeline exited: \(report(run, project))")
    #expect(!run.output.contains { $0.contains("app started") }, report(run, project))

    try project.write("src/message.txt", "v2")
    var secondRun: [ProcessProbe.Found] = []
    try #require(
      await run.waitUntil {
        secondRun = ProcessProbe.processes(inProject: project.root).filter { $0.stage == "test" }
        return secondRun.contains { $0.commandLine.hasSuffix("sleep 100") }
      }, "the test did not run again: \(report(run, project))")
    #expect(Set(secondRun.map(\.pid)).isDisjoint(with: firstRun.map(\.pid)))
    try #require(await run.waitUntil { run.output.filter { $0.hasPrefix(timedOut) }.count == 2 }, report(run, project))
    for process in secondRun { #expect(!processExists(process.pid), "still running after the timeout: \(process)") }
    #expect(run.output.filter { $0.hasSuffix("[test] $ sleep 100") }.count == 2, report(run, project))
    #expect(run.output.filter { $0.hasSuffix("[build] $ sh build.sh") }.count == 2, report(run, project))
    #expect(run.process.status == nil, report(run, project))

    #expect(await run.interrupt() == .exited(0), report(run, project))
    #expect(await ProcessProbe.waitUntilNoneLeft(inProject: project.root).isEmpty, report(run, project))
  }

  @Test("a build that ignores its stop signal gets it once, then SIGKILL after kill_after, and a warning says so")
  func aBuildIgnoringItsStopSignalIsKilledWithAWarning() async throws {
    let project = try TemporaryProject("build-ignores-term")
    try project.write("src/n.txt", "0")
    try project.write(
      "build.sh",
      "trap 'echo \"build got TERM\"' TERM\necho \"build running\"\nwhile true; do sleep 0.05; done\n")
    try project.write(
      "pipeline.yaml",
      """
      stages:
        - stage: watch
          paths: [src]
        - stage: build
          run: sh build.sh
          timeout: 300ms
          kill_after: 400ms
      """)
    let run = try PipelineRun(["run"], in: project.root)
    try #require(await run.waitForLine(containing: "timed out after 300ms"), "\(run.transcript)")
    #expect(
      run.output.contains { $0.contains("warning: [build] the command (pid ") && $0.contains("did not stop within kill_after (400ms) of SIGTERM and was killed with SIGKILL") },
      "\(run.transcript)")
    #expect(run.output.filter { $0.contains("build got TERM") }.count == 1, "the stop signal was sent more than once: \(run.transcript)")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
    #expect(await ProcessProbe.waitUntilNoneLeft(inProject: project.root).isEmpty, "\(run.transcript)")
  }

  /// The leader exits on the stop signal, a child it started does not: the clean-up of the
  /// group after the leader's end is the same stop going on, not a second SIGTERM.
  @Test("a command whose child outlives the stop signal gets the signal once, then SIGKILL")
  func aChildOutlivingTheStopSignalGetsItOnce() async throws {
    let project = try TemporaryProject("child-ignores-term")
    try project.write("src/n.txt", "0")
    try project.write(
      "build.sh",
      """
      sh -c 'trap "echo child got TERM" TERM; while true; do sleep 0.05; done' &
      trap 'echo "leader got TERM"; exit 1' TERM
      echo "build running"
      while true; do sleep 0.05; done

      """)
    try project.write(
      "pipeline.yaml",
      """
      stages:
        - stage: watch
          paths: [src]
        - stage: build
          run: sh build.sh
          timeout: 300ms
          kill_after: 500ms
      """)
    let run = try PipelineRun(["run"], in: project.root)
    try #require(await run.waitForLine(containing: "timed out after 300ms"), "\(run.transcript)")
    #expect(run.output.filter { $0.contains("leader got TERM") }.count == 1, "\(run.transcript)")
    #expect(run.output.filter { $0.contains("child got TERM") }.count == 1, "the stop signal was sent twice: \(run.transcript)")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
    #expect(await ProcessProbe.waitUntilNoneLeft(inProject: project.root).isEmpty, "\(run.transcript)")
  }

  // MARK: - A second signal

  /// An app that ignores SIGTERM and has a child, with 5 s to stop: a signal that kills at once
  /// is told from a clean stop by the time it takes.
  private static func stubbornAppProject() throws -> TemporaryProject {
    try FaultFixture.make(
      app: FaultFixture.stubbornApp,
      pipeline: """
        stages:
          - stage: watch
            paths: [src]
          - stage: build
            run: sh build.sh
          - stage: restart
            run: [sh, app.sh]
            kill_after: 5s
        """)
  }

  @Test func aSecondSIGINTKillsAnAppStillInItsGracePeriodAtOnce() async throws {
    let project = try Self.stubbornAppProject()
    let run = try PipelineRun(["run"], in: project.root)
    try #require(await run.waitForLine(containing: "app started: v1"), report(run, project))
    let app = try #require(project.pid("tmp/app.pid"))
    let child = try #require(project.pid("tmp/child.pid"))

    let clock = ContinuousClock()
    let firstSignal = clock.now
    kill(run.process.commandPID, SIGINT)
    try #require(await run.waitForLine(containing: "stopping (SIGINT)…"), report(run, project))
    try await Task.sleep(for: .milliseconds(300))
    try #require(
      processExists(app) && processExists(child),
      "the app ignores SIGTERM: it must still be in its 5s grace period: \(report(run, project))")
    let secondSignal = clock.now
    let status = await run.interrupt(SIGINT)
    let now = clock.now

    #expect(status == .exited(130), report(run, project))
    #expect(run.output.contains("SIGINT again: killing everything now"), report(run, project))
    #expect(secondSignal.duration(to: now) < .seconds(2), "pipeline took \(secondSignal.duration(to: now)) to exit")
    #expect(firstSignal.duration(to: now) < .seconds(4), "pipeline waited for kill_after (5s)")
    #expect(await waitUntilGone(app), "the app (pid \(app)) outlived pipeline")
    #expect(await waitUntilGone(child), "the app's child (pid \(child)) outlived pipeline")
    let left = await ProcessProbe.waitUntilNoneLeft(inProject: project.root)
    #expect(left.isEmpty, "left behind: \(left)")
  }

  @Test func sigquitKillsEverythingAtOnceAndRemovesTheTemporaryFolder() async throws {
    let project = try Self.stubbornAppProject()
    let temporary = project.path("tmp/tmpdir")
    try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
    let run = try PipelineRun(["run"], in: project.root, environment: ["TMPDIR": temporary])
    try #require(await run.waitForLine(containing: "app started: v1"), report(run, project))
    let app = try #require(project.pid("tmp/app.pid"))
    let child = try #require(project.pid("tmp/child.pid"))
    let folder = temporary + "/pipeline-\(run.process.commandPID)"
    try #require(FileManager.default.fileExists(atPath: folder), "the build's changed-files list is kept there")

    let clock = ContinuousClock()
    let sent = clock.now
    let status = await run.interrupt(SIGQUIT)
    #expect(status == .exited(131), report(run, project))
    #expect(run.output.contains("SIGQUIT: killing everything now"), report(run, project))
    #expect(sent.duration(to: clock.now) < .seconds(3), "SIGQUIT waited for kill_after (5s)")
    #expect(await waitUntilGone(app), "the app (pid \(app)) outlived pipeline")
    #expect(await waitUntilGone(child), "the app's child (pid \(child)) outlived pipeline")
    #expect(!FileManager.default.fileExists(atPath: folder), "pipeline's temporary folder was left: \(folder)")
  }

  @Test func aSecondSignalOfAnotherKindIsNamedAsArrivingWhileStopping() async throws {
    let project = try Self.stubbornAppProject()
    let run = try PipelineRun(["run"], in: project.root)
    try #require(await run.waitForLine(containing: "app started: v1"), report(run, project))
    kill(run.process.commandPID, SIGTERM)
    try #require(await run.waitForLine(containing: "stopping (SIGTERM)…"), report(run, project))
    let status = await run.interrupt(SIGINT)
    #expect(status == .exited(130), report(run, project))
    #expect(run.output.contains("SIGINT while stopping: killing everything now"), report(run, project))
  }

  // MARK: - continue_on_error

  @Test func continueOnErrorLetsTheRestartHappenDespiteAFailingLint() async throws {
    let (project, run) = try await lintedProject(continueOnError: true)
    let firstApp = try #require(project.pid("tmp/app.pid"))

    try project.write("src/message.txt", "v2 lint-error")
    try #require(await run.waitForLine(containing: "app started: v2 lint-error"), report(run, project, "lint.log"))
    try #require(await run.waitUntil { run.events("cycle-finished").count == 2 }, report(run, project))

    #expect(
      run.output.filter { $0.hasSuffix("[lint] lint: style violation in src/message.txt") }.count == 1,
      report(run, project))
    #expect(
      run.output.contains("✗ stage 'lint' (sh lint.sh) exited with status 1; continuing (continue_on_error)"),
      report(run, project))
    let cycle = try #require(run.events("cycle-finished").last)
    #expect(cycle["result"] as? String == "ok", "\(cycle)")
    #expect((cycle["message"] as? String ?? "").contains(" (failed, continued)"), "\(cycle)")
    #expect(project.lines("lint.log") == ["lint v1", "lint v2 lint-error"], report(run, project, "lint.log"))
    #expect(project.lines("tmp/lifecycle.log") == ["start v1", "stop v1", "start v2 lint-error"])
    #expect(!processExists(firstApp))

    #expect(await run.interrupt() == .exited(0), report(run, project))
    #expect(await ProcessProbe.waitUntilNoneLeft(inProject: project.root).isEmpty, report(run, project))
  }

  @Test func withoutContinueOnErrorAFailingLintBlocksTheRestart() async throws {
    let (project, run) = try await lintedProject(continueOnError: false)
    let firstApp = try #require(project.pid("tmp/app.pid"))

    try project.write("src/message.txt", "v2 lint-error")
    try #require(await run.waitUntil { run.events("cycle-finished").count == 2 }, report(run, project, "lint.log"))
    // One line: what failed, its status, and that the running app was kept.
    let appPID = try #require(run.events("app-started").last?["pid"] as? String)
    let failure = "✗ stage 'lint' (sh lint.sh) exited with status 1; the running app (pid \(appPID)) is kept; waiting for the next change — "
    #expect(run.output.filter { $0.contains("stage 'lint'") } .count == 1, report(run, project))
    #expect(run.output.contains { $0.hasPrefix(failure) }, report(run, project))
    let cycle = try #require(run.events("cycle-finished").last)
    #expect(cycle["result"] as? String == "failed", "\(cycle)")
    #expect((cycle["message"] as? String ?? "").hasPrefix(failure.dropFirst(2)), "\(cycle)")
    try await Task.sleep(for: .milliseconds(500))
    #expect(processExists(firstApp), "the running app must be left alone")
    #expect(project.lines("tmp/lifecycle.log") == ["start v1"], report(run, project, "tmp/lifecycle.log"))
    #expect(run.output.filter { $0.hasSuffix("[build] $ sh build.sh") }.count == 1, report(run, project))

    // The fix goes through, with the changes of the failed run.
    try project.write("src/message.txt", "v3")
    try #require(await run.waitForLine(containing: "app started: v3"), report(run, project, "lint.log"))
    #expect(project.lines("lint.log") == ["lint v1", "lint v2 lint-error", "lint v3"], report(run, project, "lint.log"))
    #expect(project.lines("tmp/lifecycle.log") == ["start v1", "stop v1", "start v3"])

    #expect(await run.interrupt() == .exited(0), report(run, project))
    #expect(await ProcessProbe.waitUntilNoneLeft(inProject: project.root).isEmpty, report(run, project))
  }

  /// A project whose `lint` (a `test` stage) runs before the build and fails on
  /// `lint-error`, started and running v1.
  private func lintedProject(continueOnError: Bool) async throws -> (TemporaryProject, PipelineRun) {
    let project = try FaultFixture.make(
      app: AppFixture.app, extra: ["lint.sh": FaultFixture.lint],
      pipeline: """
        stages:
          - stage: watch
            paths: [src]
          - stage: debounce
            window: 30ms
          - stage: test
            name: lint
            run: sh lint.sh
            continue_on_error: \(continueOnError)
          - stage: build
            run: sh build.sh
          - stage: restart
            run: sh app.sh
        """)
    let run = try PipelineRun(["run"], in: project.root)
    try #require(await run.waitForLine(containing: "app started: v1"), report(run, project, "lint.log"))
    try #require(await run.waitUntil { run.events("cycle-finished").count == 1 }, report(run, project))
    return (project, run)
  }
}

/// One line of ``FaultFixture/stubbornApp``'s log: `tick v1 4242 1700000000123456789`.
private struct AppLogLine {
  let kind: String
  let message: String
  let pid: Int32
  /// Wall-clock time, in seconds since 1970.
  let seconds: Double

  init?(_ line: String) {
    let fields = line.split(separator: " ")
    guard fields.count == 4, let pid = Int32(fields[2]), let nanoseconds = Int64(fields[3]) else { return nil }
    kind = String(fields[0])
    message = String(fields[1])
    self.pid = pid
    seconds = Double(nanoseconds) / 1e9
  }
}

/// An event's `ts`, in seconds since 1970.
private func eventSeconds(_ event: [String: Any]) -> Double? {
  let formatter = ISO8601DateFormatter()
  formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
  return (event["ts"] as? String).flatMap(formatter.date(from:))?.timeIntervalSince1970
}

/// The transcript and the fixture's logs, for failure messages.
private func report(_ run: PipelineRun, _ project: TemporaryProject, _ logs: String...) -> Comment {
  let status = run.process.status.map { "\($0)" } ?? "still running"
  var text = "\n--- pipeline output (pipeline \(status))\n" + run.transcript
  for log in logs { text += "\n--- \(log)\n" + (project.read(log) ?? "(missing)") }
  return Comment(rawValue: text)
}
