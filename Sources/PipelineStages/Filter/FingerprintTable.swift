/// The fingerprints of ``FingerprintStore``, filed by ``FingerprintKey``: a hash table made for
/// tens of thousands of files in little memory.
///
/// A `Dictionary` of the same entries took 40 bytes a slot (the key, the fingerprint and the
/// epoch with its padding) at a load between 3/8 and 3/4, and doubled all at once, holding the
/// old storage while it moved the entries: on the 20,000 files of a startup baseline and
/// 10,000 more of a storm, 2.6 MB, and 3.8 MB while it grew. Here a slot is 32 bytes and its
/// epoch 4 more, in an array of their own; the table is split in 64 shards by the key's
/// second half, and each grows on its own by half when it is 4/5 full, so the load stays
/// between 0.53 and 0.8 and a growth holds two copies of one shard only: 1.4 MB for the same
/// files.
///
/// Open addressing with linear probing from a slot picked by the key's first half (the key
/// is a hash already); a removal shifts back the entries whose probe went through the freed
/// slot, so there are no tombstones and a lookup ends at the first free slot.
struct FingerprintTable {
  /// What is filed under a key.
  struct Entry: Equatable {
    var fingerprint: FileFingerprint
    /// The store's epoch when it was recorded.
    var epoch: UInt32
  }

  static let shardCount = 64
  private static let shardShift = UInt64(64 - 6)  // log2(shardCount) bits of `second`

  private var shards = [Shard](repeating: Shard(), count: FingerprintTable.shardCount)

  /// The number of keys filed.
  private(set) var count = 0

  init() {}

  subscript(key: FingerprintKey) -> Entry? {
    get { shards[Self.shard(of: key)].entry(for: key) }
    set {
      let shard = Self.shard(of: key)
      let before = shards[shard].count
      if let newValue {
        shards[shard].insert(newValue, for: key)
      } else {
        shards[shard].remove(key)
      }
      count += shards[shard].count - before
    }
  }

  /// Removes every entry and gives back the memory.
  mutating func removeAll() {
    shards = [Shard](repeating: Shard(), count: Self.shardCount)
    count = 0
  }

  /// The number of slots, filled or not, over every shard.
  var capacity: Int { shards.reduce(0) { $0 + $1.slots.count } }

  private static func shard(of key: FingerprintKey) -> Int {
    Int(truncatingIfNeeded: key.second >> shardShift)
  }
}

extension FingerprintTable {
  private struct Slot {
    /// ``FingerprintKey/vacant`` in a free slot.
    var key: FingerprintKey
    var fingerprint: FileFingerprint
  }

  private struct Shard {
    var slots: [Slot] = []
    var epochs: [UInt32] = []
    var count = 0

    static let smallestCapacity = 8

    func entry(for key: FingerprintKey) -> Entry? {
      guard !slots.isEmpty else { return nil }
      let (index, found) = position(of: key)
      return found ? Entry(fingerprint: slots[index].fingerprint, epoch: epochs[index]) : nil
    }

    mutating func insert(_ entry: Entry, for key: FingerprintKey) {
      if !slots.isEmpty {
        let (index, found) = position(of: key)
        if found {
          slots[index].fingerprint = entry.fingerprint
          epochs[index] = entry.epoch
          return
        }
      }
      // Grown before it is more than 4/5 full: a probe always meets a free slot.
      if (count + 1) * 5 > slots.count * 4 {
        grow(to: max(Self.smallestCapacity, slots.count + slots.count / 2))
      }
      let index = position(of: key).index
      slots[index] = Slot(key: key, fingerprint: entry.fingerprint)
      epochs[index] = entry.epoch
      count += 1
    }

    mutating func remove(_ key: FingerprintKey) {
      guard !slots.isEmpty else { return }
      let (found, isThere) = position(of: key)
      guard isThere else { return }
      // Shift back each entry after the hole whose probe passed through it, up to the next
      // free slot.
      var hole = found
      var next = successor(of: hole)
      while slots[next].key != .vacant {
        let home = self.home(of: slots[next].key)
        if distance(from: home, to: hole) < distance(from: home, to: next) {
          slots[hole] = slots[next]
          epochs[hole] = epochs[next]
          hole = next
        }
        next = successor(of: next)
      }
      slots[hole].key = .vacant
      count -= 1
    }

    /// Where `key` is, or the free slot where it would go.
    private func position(of key: FingerprintKey) -> (index: Int, found: Bool) {
      var index = home(of: key)
      while true {
        let occupant = slots[index].key
        if occupant == key { return (index, true) }
        if occupant == .vacant { return (index, false) }
        index = successor(of: index)
      }
    }

    private func home(of key: FingerprintKey) -> Int {
      Int(truncatingIfNeeded: key.first.multipliedFullWidth(by: UInt64(slots.count)).high)
    }

    private func successor(of index: Int) -> Int { index + 1 == slots.count ? 0 : index + 1 }

    private func distance(from start: Int, to end: Int) -> Int {
      end >= start ? end - start : end + slots.count - start
    }

    private mutating func grow(to capacity: Int) {
      let old = slots
      let oldEpochs = epochs
      slots = [Slot](repeating: Slot(key: .vacant, fingerprint: FileFingerprint(size: 0, summary: .contentHash(0))), count: capacity)
      epochs = [UInt32](repeating: 0, count: capacity)
      for (slot, epoch) in zip(old, oldEpochs) where slot.key != .vacant {
        let index = position(of: slot.key).index
        slots[index] = slot
        epochs[index] = epoch
      }
    }
  }
}
