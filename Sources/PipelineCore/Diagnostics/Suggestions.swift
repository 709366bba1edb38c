/// "Did you mean" support: the closest known word to a misspelt one.
public enum Suggestions {
  /// The candidate nearest to `word` by edit distance, when it is close enough to be a
  /// plausible typo (at most a third of the word's length, and at least 1 edit allowed).
  public static func nearest(to word: String, in candidates: some Sequence<String>) -> String? {
    let limit = max(1, (word.count + 2) / 3)
    var best: (name: String, distance: Int)?
    for candidate in candidates {
      let distance = editDistance(word.lowercased(), candidate.lowercased())
      if distance <= limit, distance < (best?.distance ?? .max) { best = (candidate, distance) }
    }
    return best?.name
  }

  /// Levenshtein distance with adjacent transpositions counted as one edit.
  public static func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous2 = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          current[j] = min(current[j], previous2[j - 2] + 1)
        }
      }
      (previous2, previous, current) = (previous, current, previous2)
    }
    return previous[b.count]
  }

  /// `did you mean 'x'? Known: a, b, c` or `Known: a, b, c`.
  public static func hint(for word: String, known: [String]) -> String {
    let sorted = known.sorted()
    let list = "Known: " + sorted.joined(separator: ", ")
    if let nearest = nearest(to: word, in: sorted) { return "did you mean '\(nearest)'? \(list)" }
    return list
  }
}
