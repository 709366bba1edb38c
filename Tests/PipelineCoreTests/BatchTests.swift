import Testing

@testable import PipelineCore

@Suite("Batch")
struct BatchTests {
  @Test(
    "two changes of one path fold into one kind",
    arguments: [
      (ChangeKind.created, ChangeKind.removed, ChangeKind.removed),
      (.removed, .created, .modified),
      (.created, .modified, .created),
      (.modified, .removed, .removed),
      (.modified, .modified, .modified),
      (.removed, .modified, .modified),
      (.renamed, .removed, .removed),
      (.modified, .created, .created),
    ])
  func mergeFoldsKinds(first: ChangeKind, second: ChangeKind, expected: ChangeKind) {
    #expect(first.followed(by: second) == expected)
    let merged = Batch([Change(path: "a.go", kind: first)])
      .merging(Batch([Change(path: "a.go", kind: second)]))
    #expect(merged.changes == [Change(path: "a.go", kind: expected)])
    // The same folding applies to repeated paths given to `init`.
    #expect(Batch([Change(path: "a.go", kind: first), Change(path: "a.go", kind: second)]) == merged)
  }

  @Test("a path seen coming into being and then removed is transient; the first change's mark survives merges")
  func transientPaths() {
    let made = Change(path: "sedX1", kind: .created, appearedInBatch: true)
    let merged = Batch([made]).merging(Batch([Change(path: "sedX1", kind: .modified)]))
      .merging(Batch([Change(path: "sedX1", kind: .removed)]))
    #expect(merged.change(for: "sedX1")?.isTransient == true)
    // Equality and the JSON forms ignore the mark.
    #expect(merged.changes == [Change(path: "sedX1", kind: .removed)])

    // A file renamed into place may have replaced one: its removal is real.
    let renamedIn = Batch([Change(path: "a.txt", kind: .created)]).merging(Batch([Change(path: "a.txt", kind: .removed)]))
    #expect(renamedIn.change(for: "a.txt")?.isTransient == false)
    // Removed first, then made again and removed: it existed when the batch began.
    let replaced = Batch([Change(path: "b", kind: .removed)]).merging(Batch([made.renamed("b")]))
      .merging(Batch([Change(path: "b", kind: .removed)]))
    #expect(replaced.change(for: "b")?.isTransient == false)
    // Made, removed and made again: it exists at the end.
    let back = Batch([made]).merging(Batch([Change(path: "sedX1", kind: .removed)])).merging(Batch([made]))
    #expect(back.change(for: "sedX1")?.isTransient == false)
  }

  @Test("a merge is a union that keeps the order in which paths were first seen")
  func unionKeepsFirstSeenOrder() {
    var batch = Batch([Change(path: "b", kind: .modified), Change(path: "a", kind: .created)])
    batch.merge(
      Batch([
        Change(path: "c", kind: .created), Change(path: "b", kind: .removed), Change(path: "d", kind: .modified),
      ]))
    #expect(batch.paths == ["b", "a", "c", "d"])
    #expect(batch.change(for: "b")?.kind == .removed)
    #expect(batch.change(for: "a")?.kind == .created)
    #expect(batch.change(for: "z") == nil)
  }

  @Test("merging keeps a later rename's previous path")
  func mergeKeepsPreviousPath() {
    let merged = Batch([Change(path: "new.go", kind: .modified)])
      .merging(Batch([Change(path: "new.go", kind: .renamed, previousPath: "old.go")]))
    #expect(merged.change(for: "new.go") == Change(path: "new.go", kind: .renamed, previousPath: "old.go"))
  }

  @Test(
    "startup and rescan marks survive a merge in either order",
    arguments: [(true, false), (false, true), (true, true)])
  func marksSurviveMerge(isStartup: Bool, isRescan: Bool) {
    let marked = Batch(isStartup: isStartup, isRescan: isRescan)
    let plain = Batch([Change(path: "a", kind: .modified)])
    for merged in [marked.merging(plain), plain.merging(marked)] {
      #expect(merged.isStartup == isStartup)
      #expect(merged.isRescan == isRescan)
      #expect(merged.paths == ["a"])
    }
  }

  @Test("filter keeps matching changes in order, and the marks even when nothing matches")
  func filterKeepsMarks() {
    let batch = Batch(
      [Change(path: "a.go", kind: .modified), Change(path: "b.md", kind: .created), Change(path: "c.go", kind: .removed)],
      isStartup: true, isRescan: true)
    let goFiles = batch.filter { $0.path.hasSuffix(".go") }
    #expect(goFiles.paths == ["a.go", "c.go"])
    #expect(goFiles.change(for: "c.go")?.kind == .removed)
    #expect(goFiles.isStartup && goFiles.isRescan)
    let none = batch.filter { _ in false }
    #expect(none.changes.isEmpty)
    #expect(none.isStartup && none.isRescan)
    #expect(!none.isEmpty)
  }

  @Test(
    "isEmpty is true only without changes and without marks",
    arguments: [
      (Batch(), true),
      (Batch.startup, false),
      (Batch(isRescan: true), false),
      (Batch([Change(path: "a", kind: .removed)]), false),
      (Batch([Change(path: "a", kind: .modified)]).filter { _ in false }, true),
    ])
  func isEmpty(batch: Batch, expected: Bool) {
    #expect(batch.isEmpty == expected)
  }

  @Test(
    "description is a one-line summary",
    arguments: [
      (Batch(), "no changes"),
      (Batch.startup, "startup"),
      (Batch(isRescan: true), "rescan"),
      (Batch([Change(path: "a", kind: .created)], isStartup: true), "1 change: a (created)"),
      (Batch([Change(path: "src/main.go", kind: .modified)]), "1 change: src/main.go (modified)"),
      (
        Batch([Change(path: "a.go", kind: .modified), Change(path: "b.go", kind: .created)]),
        "2 changes: a.go (modified), b.go (created)"
      ),
      (
        Batch(["a", "b", "c"].map { Change(path: $0, kind: .removed) }),
        "3 changes: a (removed), b (removed), c (removed)"
      ),
      (
        Batch(["a", "b", "c", "d", "e"].map { Change(path: $0, kind: .modified) }),
        "5 changes: a (modified), b (modified), c (modified), … (2 more)"
      ),
    ])
  func description(batch: Batch, expected: String) {
    #expect(batch.description == expected)
  }

  @Test("batches with the same changes and marks are equal and hash alike")
  func equality() {
    let a = Batch([Change(path: "x", kind: .created), Change(path: "x", kind: .modified)])
    let b = Batch([Change(path: "x", kind: .created)])
    #expect(a == b)
    #expect(Set([a, b]).count == 1)
    #expect(a != Batch([Change(path: "x", kind: .created)], isRescan: true))
  }

  @Test("a control character in a file name is escaped in the batch's description, so a console line stays one line")
  func controlCharactersAreEscapedInTheDescription() {
    let batch = Batch([Change(path: "src/a\nb.txt", kind: .created), Change(path: "src/c\u{1B}[31m.txt", kind: .modified)])
    #expect(batch.description == "2 changes: src/a\\nb.txt (created), src/c\\x1B[31m.txt (modified)")
    #expect(batch.paths == ["src/a\nb.txt", "src/c\u{1B}[31m.txt"], "the paths themselves are kept")
    #expect(PathText.displayed("plain/path.go") == "plain/path.go")
    #expect(PathText.displayed("tab\there\u{7F}") == "tab\\there\\x7F")
  }
}

extension Change {
  /// The same change under another path.
  fileprivate func renamed(_ path: String) -> Change {
    var change = self
    change.path = path
    return change
  }
}
