import Foundation
import PipelineCore
import Testing

@testable import PipelineStages

/// The hold rule of `hold_during_git`, driven with made-up instants.
@Suite struct GitHoldStateMachineTests {
  typealias Machine = GitHoldStateMachine
  let start = ContinuousClock().now

  private func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

  private func released(_ actions: [Machine.Action]) -> (Batch, Machine.Release)? {
    for case .release(let batch, let release) in actions { return (batch, release) }
    return nil
  }

  @Test func passesChangesOnWhenGitIsIdle() {
    var machine = Machine()
    #expect(machine.receive(modified("a.go"), at: at(0)) == [.send(modified("a.go"))])
    // A marker left long ago (a stopped merge) does not hold either.
    machine.observe(GitSnapshot(lock: nil, markers: ["MERGE_HEAD"], quietFor: .seconds(5)), at: at(10))
    #expect(machine.receive(modified("b.go"), at: at(10)) == [.send(modified("b.go"))])
  }

  @Test func holdsWhileTheLockExistsAndReleasesOneBatchOnceQuiet() {
    var machine = Machine()
    machine.observe(entry: "index.lock", kind: .created, at: at(0))
    let first = machine.receive(modified("a.go"), at: at(1))
    #expect(first == [
      .startedHolding(.init(operation: nil, evidence: "index.lock")), .checkAgain(at: at(1) + Machine.checkInterval),
    ])
    #expect(machine.receive(modified("b.go"), at: at(2)).isEmpty)
    #expect(machine.check(at: at(101)) == [.checkAgain(at: at(201))], "still locked")
    machine.observe(entry: "index.lock", kind: .removed, at: at(150))
    #expect(machine.check(at: at(201)) == [.checkAgain(at: at(250))], "settling after the lock went")
    let (batch, release) = try! #require(released(machine.check(at: at(250))))
    #expect(batch.paths == ["a.go", "b.go"])
    #expect(release == .done)
    #expect(machine.held == nil)
    #expect(machine.receive(modified("c.go"), at: at(260)) == [.send(modified("c.go"))])
  }

  /// `git stash` takes the lock several times: a new lock within the settle time keeps holding.
  @Test func aLockTakenAgainSoonKeepsHolding() {
    var machine = Machine()
    machine.observe(entry: "index.lock", kind: .created, at: at(0))
    _ = machine.receive(modified("a.go"), at: at(1))
    machine.observe(entry: "index.lock", kind: .removed, at: at(10))
    machine.observe(entry: "index.lock", kind: .created, at: at(50))
    _ = machine.receive(modified("b.go"), at: at(60))
    #expect(released(machine.check(at: at(200))) == nil)
    machine.observe(entry: "index.lock", kind: .removed, at: at(210))
    #expect(released(machine.check(at: at(310)))?.0.paths == ["a.go", "b.go"])
  }

  @Test func aMarkerHoldsOnlyWhileGitIsActive() {
    var machine = Machine()
    machine.observe(entry: "rebase-merge", kind: .created, at: at(0))
    let actions = machine.receive(modified("a.go"), at: at(500))
    #expect(actions.first == .startedHolding(.init(operation: "rebase", evidence: "rebase-merge")))
    // Each pick takes the lock: activity.
    machine.observe(entry: "index.lock", kind: .created, at: at(900))
    machine.observe(entry: "index.lock", kind: .removed, at: at(950))
    _ = machine.receive(modified("b.go"), at: at(940))
    #expect(released(machine.check(at: at(1500))) == nil, "git was active 550ms ago")
    // The rebase stops on a conflict: the marker stays, git goes quiet.
    let (batch, release) = try! #require(released(machine.check(at: at(1950))))
    #expect(batch.paths == ["a.go", "b.go"])
    #expect(release == .waiting(.init(operation: "rebase", evidence: "rebase-merge")))
    // The user edits by hand: not held.
    #expect(machine.receive(modified("a.go"), at: at(5000)) == [.send(modified("a.go"))])
    // `git rebase --continue`: active again, held again.
    machine.observe(entry: "index.lock", kind: .created, at: at(6000))
    #expect(machine.receive(modified("c.go"), at: at(6001)).first == .startedHolding(.init(operation: "rebase", evidence: "index.lock")))
  }

  @Test func aStaleLockStopsHoldingAfterAWhile() {
    var machine = Machine()
    let lock = GitSnapshot.FileIdentity(inode: 7, modificationTime: 1)
    machine.observe(GitSnapshot(lock: lock, markers: [], quietFor: .seconds(60)), at: at(0))
    #expect(machine.receive(modified("a.go"), at: at(0)).count == 2)
    let late = at(0) + Machine.staleLockAfter
    machine.observe(GitSnapshot(lock: lock, markers: [], quietFor: .seconds(90)), at: late)
    #expect(released(machine.check(at: late))?.1 == .staleLock)
    #expect(machine.receive(modified("b.go"), at: late) == [.send(modified("b.go"))], "the same lock does not hold again")
    // A new lock (another inode) is believed again.
    machine.observe(GitSnapshot(lock: .init(inode: 8, modificationTime: 2), markers: [], quietFor: .zero), at: late)
    #expect(machine.receive(modified("c.go"), at: late).count == 2)
  }

  /// From scans, git's last writes may come after the lock went: the settle time includes the
  /// polling interval.
  @Test func settlesLongerWhenChangesComeFromScans() {
    var machine = Machine(pollingInterval: .milliseconds(500))
    machine.observe(GitSnapshot(lock: .init(inode: 1, modificationTime: 1), markers: [], quietFor: .zero), at: at(0))
    _ = machine.receive(modified("a.go"), at: at(0))
    machine.observe(GitSnapshot(lock: nil, markers: [], quietFor: .zero), at: at(100))
    #expect(machine.check(at: at(100)) == [.checkAgain(at: at(700))])
    _ = machine.receive(modified("b.go"), at: at(600))
    #expect(released(machine.check(at: at(700))) == nil)
    #expect(released(machine.check(at: at(1200)))?.0.paths == ["a.go", "b.go"])
  }

  @Test func aRescanJoinsTheHeldBatch() {
    var machine = Machine()
    machine.observe(entry: "index.lock", kind: .modified, at: at(0))
    _ = machine.receive(modified("a.go"), at: at(0))
    _ = machine.receive(Batch(isRescan: true), at: at(1))
    machine.observe(entry: "index.lock", kind: .removed, at: at(2))
    let batch = released(machine.check(at: at(200)))?.0
    #expect(batch?.isRescan == true)
    #expect(batch?.paths == ["a.go"])
  }
}
