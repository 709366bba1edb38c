@testable import PipelineStages
import Testing

@Suite struct FingerprintStoreTests {
  private let old = FileFingerprint(size: 1, summary: .contentHash(1))
  private let new = FileFingerprint(size: 1, summary: .contentHash(2))

  @Test func theLoopsWordWinsOverTheBaseline() {
    let store = FingerprintStore()
    let generation = store.startBaseline()
    store.record(new, for: "edited.go")
    store.record(nil, for: "removed.go")
    store.recordBaseline(old, for: "edited.go", generation: generation)
    store.recordBaseline(old, for: "removed.go", generation: generation)
    store.recordBaseline(old, for: "other.go", generation: generation)
    store.finishBaseline(generation: generation)
    #expect(store.fingerprint(for: "edited.go") == new)
    #expect(store.fingerprint(for: "removed.go") == nil)
    #expect(store.fingerprint(for: "other.go") == old)
  }

  @Test func aNewBaselineClearsTheStoreAndRetiresTheOldOne() {
    let store = FingerprintStore()
    let first = store.startBaseline()
    store.recordBaseline(old, for: "a.go", generation: first)
    let second = store.startBaseline()
    #expect(store.count == 0)
    #expect(!store.recordBaseline(old, for: "b.go", generation: first))
    #expect(store.recordBaseline(new, for: "b.go", generation: second))
    #expect(store.fingerprint(for: "b.go") == new)
  }

  @Test func aFingerprintKeepsItsSizeAndSummaryOfEitherKind() {
    let hashed = FileFingerprint(size: 1 << 40, summary: .contentHash(-7))
    let timed = FileFingerprint(size: 1 << 40, summary: .modificationTime(-7))
    #expect(hashed.size == 1 << 40 && hashed.summary == .contentHash(-7))
    #expect(timed.size == 1 << 40 && timed.summary == .modificationTime(-7))
    let executable = FileFingerprint(size: 1 << 40, summary: .modificationTime(-7), permissions: 0o4755)
    #expect(executable.size == 1 << 40 && executable.permissions == 0o4755 && executable.summary == .modificationTime(-7))
    #expect(hashed != timed)
    #expect(FileFingerprint(size: 0, summary: .contentHash(Int.min)).summary == .contentHash(Int.min))
  }

  /// Names are bytes to the file system: "é" precomposed and decomposed are two files,
  /// though Swift's `String` calls them equal.
  @Test func pathsThatDifferInAnyByteAreFiledApart() {
    let store = FingerprintStore()
    let paths = ["a.go", "a.go ", "A.go", "src/a.go", "src/a.gO", "", "é.go", "e\u{301}.go"]
    for (index, path) in paths.enumerated() {
      store.record(FileFingerprint(size: index, summary: .contentHash(index)), for: path)
    }
    #expect(store.count == paths.count)
    for (index, path) in paths.enumerated() {
      #expect(store.fingerprint(for: path)?.size == index)
    }
  }

  /// A folder moved out of the tree and back: its files' return is a change.
  @Test func aForgottenTreeTakesTheFingerprintsInsideItAlong() {
    let store = FingerprintStore()
    store.record(old, for: "src/a/f.go")
    store.record(old, for: "src/a/deep/g.go")
    store.record(old, for: "src/ab/h.go")
    store.record(old, for: "src/b.go")
    store.forgetTree(at: "src/a")
    #expect(store.fingerprint(for: "src/a/f.go") == nil)
    #expect(store.fingerprint(for: "src/a/deep/g.go") == nil)
    #expect(store.fingerprint(for: "src/ab/h.go") == old, "a folder whose name only starts the same")
    #expect(store.fingerprint(for: "src/b.go") == old)
    // Recorded again after the folder came back: it counts.
    store.record(new, for: "src/a/f.go")
    #expect(store.fingerprint(for: "src/a/f.go") == new)
  }
}
