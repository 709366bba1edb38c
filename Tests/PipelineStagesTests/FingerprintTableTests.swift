@testable import PipelineStages
import Testing

@Suite struct FingerprintTableTests {
  private func fingerprint(_ value: Int) -> FileFingerprint {
    FileFingerprint(size: value, summary: value.isMultiple(of: 2) ? .contentHash(value) : .modificationTime(value))
  }

  @Test func itAnswersLikeADictionaryThroughInsertsUpdatesAndRemovals() {
    var table = FingerprintTable()
    var expected: [String: FingerprintTable.Entry] = [:]
    var random = SystemRandomNumberGenerator()
    let paths = (0..<6_000).map { "src/d\($0 % 97)/file\($0).go" }
    for step in 0..<40_000 {
      let path = paths.randomElement(using: &random)!
      let key = FingerprintKey(path)
      if Int.random(in: 0..<4, using: &random) == 0 {
        table[key] = nil
        expected[path] = nil
      } else {
        let entry = FingerprintTable.Entry(fingerprint: fingerprint(step), epoch: UInt32(step % 7))
        table[key] = entry
        expected[path] = entry
      }
    }
    #expect(table.count == expected.count)
    for path in paths {
      #expect(table[FingerprintKey(path)] == expected[path], "\(path)")
    }
  }

  @Test func removingEveryKeyLeavesNothingBehind() {
    var table = FingerprintTable()
    let keys = (0..<5_000).map { FingerprintKey("file\($0)") }
    for (index, key) in keys.enumerated() {
      table[key] = FingerprintTable.Entry(fingerprint: fingerprint(index), epoch: 0)
    }
    // In another order than inserted, so that removals shift entries back across the ends
    // of shards' slot arrays.
    for key in keys.reversed() where key.first % 3 != 0 { table[key] = nil }
    for (index, key) in keys.enumerated() {
      #expect(table[key] == (key.first % 3 == 0 ? FingerprintTable.Entry(fingerprint: fingerprint(index), epoch: 0) : nil))
    }
    for key in keys { table[key] = nil }
    #expect(table.count == 0)
    #expect(keys.allSatisfy { table[$0] == nil })
  }

  @Test func aFullTableStaysWithinFiveFourthsOfItsEntriesPlusOneGrowth() {
    var table = FingerprintTable()
    for index in 0..<30_000 {
      table[FingerprintKey("src/file\(index)")] = FingerprintTable.Entry(fingerprint: fingerprint(index), epoch: 0)
    }
    #expect(table.count == 30_000)
    // At most 4/5 full, and at least 4/5 / 1.5 (a shard just grown) give or take the shards'
    // unequal shares: well under the 65,536 slots of a Dictionary of 30,000 entries.
    #expect(table.capacity >= 30_000 * 5 / 4)
    #expect(table.capacity <= 30_000 * 2)
  }

  @Test func removeAllEmptiesTheTableAndItsStorage() {
    var table = FingerprintTable()
    let key = FingerprintKey("a.go")
    table[key] = FingerprintTable.Entry(fingerprint: fingerprint(1), epoch: 3)
    table.removeAll()
    #expect(table.count == 0 && table.capacity == 0 && table[key] == nil)
  }

  @Test func noPathHasTheKeyOfAFreeSlot() {
    #expect(FingerprintKey("") != .vacant)
    #expect(FingerprintKey("a.go") != .vacant)
  }
}
