import PipelineCore

/// Turns a command and a batch into the process launches that run it: `{files}` replaced by
/// the changed paths, split into several runs when the list is too long for one command
/// line (as `xargs` does), since the kernel caps a single argument at 128 KiB.
enum ChangedFilesExpansion {
  /// The most bytes of paths put into one run.
  static let maximumBytesPerRun = 96 * 1024

  /// The commands to run, in order. Without `{files}`, that is the command itself.
  /// With it, one command per chunk of the paths that still exist (a removed file cannot be
  /// formatted or linted); none when there are no such paths.
  static func commands(for command: CommandSpec, paths: [String], limit: Int = maximumBytesPerRun) -> [CommandSpec] {
    guard command.usesFilesPlaceholder else { return [command] }
    return chunks(of: paths.map(argument), limit: limit).map { chunk in
      switch command {
      case .shell(let line):
        return .shell(line.replacing(CommandSpec.filesPlaceholder, with: chunk.map(ShellQuoting.quote).joined(separator: " ")))
      case .argv(let words):
        return .argv(words.flatMap { word -> [String] in
          if word == CommandSpec.filesPlaceholder { return chunk }
          return [word.replacing(CommandSpec.filesPlaceholder, with: chunk.joined(separator: " "))]
        })
      }
    }
  }

  /// How many changed files the shown command line names before `… and N more`.
  static let namesShown = 3

  /// The command line to show for a run on `paths`: the command as run, with `{files}`
  /// replaced by the first few paths, quoted as in the command that runs, then `… and N
  /// more` (`gofmt -w a.go b.go c.go … and 7 more`; a shell line quotes each name). Without
  /// `{files}`, the command as written.
  static func commandLine(for command: CommandSpec, paths: [String], namesShown: Int = namesShown) -> String {
    guard command.usesFilesPlaceholder else { return command.description }
    let more = paths.count > namesShown ? " … and \(paths.count - namesShown) more" : ""
    let shown = paths.prefix(namesShown).map(argument)
    switch command {
    case .shell(let line):
      return line.replacing(CommandSpec.filesPlaceholder, with: shown.map(ShellQuoting.quote).joined(separator: " ") + more)
    case .argv(let words):
      return words.map { word in
        if word == CommandSpec.filesPlaceholder { return shown.map(ShellQuoting.quoteIfNeeded).joined(separator: " ") + more }
        return ShellQuoting.quoteIfNeeded(word.replacing(CommandSpec.filesPlaceholder, with: shown.joined(separator: " ") + more))
      }.joined(separator: " ")
    }
  }

  /// `path` as a command's argument: one that starts with `-` gets a leading `./`, so that
  /// no command takes a file named `-rf` or `-l.go` for an option.
  static func argument(_ path: String) -> String {
    path.hasPrefix("-") ? "./" + path : path
  }

  static func chunks(of paths: [String], limit: Int) -> [[String]] {
    var result: [[String]] = []
    var current: [String] = []
    var size = 0
    for path in paths {
      let cost = path.utf8.count + 3
      if !current.isEmpty, size + cost > limit {
        result.append(current)
        current = []
        size = 0
      }
      current.append(path)
      size += cost
    }
    if !current.isEmpty { result.append(current) }
    return result
  }
}
