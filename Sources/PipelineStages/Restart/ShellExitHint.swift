import PipelineCore

/// What an app's exit status 126 or 127 means when a shell ran it (`run:` as a string): the
/// shell itself failed to start the program, and all the user sees is the shell's one line
/// (`./tmp/app: Permission denied`). The argv form gets its own message at the start
/// ("cannot start ./tmp/app: permission denied"); this gives the string form the same help.
enum ShellExitHint {
  /// The help for `status`, or `nil` when the status says nothing about starting.
  static func help(for status: TerminationStatus, command: CommandSpec) -> String? {
    guard case .shell(let line) = command, case .exited(let code) = status else { return nil }
    let program = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init) ?? line
    switch code {
    case 126:
      return "status 126 is the shell saying it cannot execute \(program): is it executable (chmod +x \(program)), and a program rather than a folder?"
    case 127:
      return "status 127 is the shell saying it cannot find \(program): check its path (relative to workdir) or that it is on PATH"
    default:
      return nil
    }
  }
}
