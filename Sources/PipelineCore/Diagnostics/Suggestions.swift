/// "Did you mean" support: the closest known word to a misspelt one.
public enum Suggestions {
  /// The candidate nearest to `word` by edit distance, when it is close enough to be a
  /// plausible typo (at most a third of the word's length, and at least 1 edit allowed).
  /// A word that another watcher (air, nodemon, watchexec, reflex, CompileDaemon) uses for
  /// one of `candidates` counts as nearest: `cmd` or `exec` for `run`, `delay` for `window`.
  public static func nearest(to word: String, in candidates: some Sequence<String>) -> String? {
    if let ours = otherToolsWords[word.lowercased()]?.first(where: { candidates.contains($0) }) { return ours }
    let limit = max(1, (word.count + 2) / 3)
    var best: (name: String, distance: Int)?
    for candidate in candidates {
      let distance = editDistance(word.lowercased(), candidate.lowercased())
      if distance <= limit, distance < (best?.distance ?? .max) { best = (candidate, distance) }
    }
    return best?.name
  }

  /// What other watchers call a key of ours, by the word they use. Users bring these from
  /// their `.air.toml`, `nodemon.json` or command lines: `kill_delay` is air's, `exec` and
  /// `ext` nodemon's, `debounce` watchexec's, `build`/`command` CompileDaemon's. A word with
  /// two meanings names both, the likelier first: `ignore` is `exclude` in a filter stage and
  /// `exclude_dirs` in a watch stage.
  static let otherToolsWords: [String: [String]] = [
    "cmd": ["run"], "command": ["run"], "exec": ["run"], "script": ["run"], "bin": ["run"], "full_bin": ["run"],
    "shell": ["run"],
    "watch": ["paths"], "dirs": ["paths"], "include_dir": ["paths"], "watch_dir": ["paths"], "directories": ["paths"],
    "delay": ["window"], "debounce": ["window"],
    "ext": ["extensions"], "exts": ["extensions"], "include_ext": ["extensions"],
    "exclude_dir": ["exclude_dirs"], "ignore_dirs": ["exclude_dirs"],
    "ignore": ["exclude", "exclude_dirs"], "exclude_file": ["exclude"], "exclude_regex": ["exclude"],
    "kill_delay": ["kill_after"], "stop_timeout": ["kill_after"],
    "stop_signal": ["signal"], "send_interrupt": ["signal"],
    "environment": ["env"], "cwd": ["workdir"], "dir": ["workdir"], "working_dir": ["workdir"],
    "polling": ["poll"], "legacy_watch": ["poll"], "force_poll": ["poll"],
  ]

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
    let sorted = Set(known).sorted()  // two stages of one name are an error of their own
    let list = "Known: " + sorted.joined(separator: ", ")
    if let nearest = nearest(to: word, in: sorted) { return "did you mean '\(nearest)'? \(list)" }
    return list
  }
}
