import Glibc
import PipelineCore

/// `pipeline help bogus`: the argument parser answers any word after `help` that names no
/// command with the general help and status 0, so a script or a person who mistyped the
/// command never learns it. The word is checked first: an error, the command likely meant,
/// and the usage status (64), as for any other wrong argument.
enum HelpTopicCheck {
  /// Exits with status 64 when `arguments` (the process's, its program first) ask for help on
  /// a command that does not exist.
  static func exitIfUnknown(_ arguments: [String]) {
    guard let diagnostic = problem(arguments) else { return }
    TerminalWriter().line(diagnostic.description, error: true)
    exit(64)
  }

  /// The error for `pipeline help WORD` when WORD names no command; `nil` otherwise.
  static func problem(_ arguments: [String]) -> Diagnostic? {
    guard arguments.count >= 3, arguments[1] == "help" else { return nil }
    let topic = arguments[2]
    let commands = PipelineCommand.commandNames
    guard !topic.hasPrefix("-"), !commands.contains(topic), topic != "help" else { return nil }
    let nearest = Suggestions.nearest(to: topic, in: commands).map { "did you mean `pipeline help \($0)`? " } ?? ""
    return Diagnostic(
      at: nil, "there is no command '\(topic)' to give help on",
      help: "\(nearest)the commands are \(commands.joined(separator: ", ")); `pipeline --help` describes them")
  }
}
