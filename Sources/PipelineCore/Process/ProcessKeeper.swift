import CPipelineSystem
@preconcurrency import Glibc
import Synchronization

/// Makes sure that no process `pipeline` starts outlives it — even when `pipeline` is
/// killed with `SIGKILL` or crashes.
///
/// Every command and app runs under a keeper: a tiny C program (`pipeline-keeper`, built
/// next to `pipeline`) that leads the command's process group and holds the read end of a
/// *lifeline* pipe whose only write end is in `pipeline`. The kernel closes that write end
/// when `pipeline` exits, however it exits; the keeper sees end of file at once, sends the
/// stage's stop signal to the group, waits the stage's `kill_after`, and kills whatever is
/// left. While `pipeline` lives, the keeper is invisible: it ignores the stop signals sent
/// to its group and exits with the command's own status.
///
/// ```
/// pipeline ──lifeline──▶ pipeline-keeper (group leader) ──fork/exec──▶ command ──▶ children
/// ```
///
/// Why not `PR_SET_PDEATHSIG`: it fires when the *thread* that started the child exits
/// (Swift's pool retires idle threads), and it reaches the direct child only, never a
/// shell wrapper's children.
public enum ProcessKeeper {
  /// The first argument that makes a `pipeline` runner act as the keeper, for runners
  /// without a `pipeline-keeper` file next to them (see ``enableSelfHosting()``).
  public static let selfHostedArgument = "__keeper"

  /// The environment variable that names the keeper program to use; `none` turns keepers off.
  public static let environmentVariable = "PIPELINE_KEEPER"

  /// How the keeper is started: the program and the arguments before the keeper's own.
  struct Program: Sendable {
    let path: String
    let leadingArguments: [String]
  }

  private static let selfHosting = Atomic<Bool>(false)

  /// Lets the running executable serve as its own keeper (`pipeline __keeper …`) when no
  /// `pipeline-keeper` file lies next to it. Call it only from an executable whose entry
  /// point hands `__keeper` invocations to ``runIfRequested(_:)`` first; `PipelineCommand`
  /// does both.
  public static func enableSelfHosting() { selfHosting.store(true, ordering: .relaxed) }

  /// Runs the keeper and never returns when `arguments[1]` is ``selfHostedArgument``.
  public static func runIfRequested(_ arguments: [String]) {
    guard arguments.count > 1, arguments[1] == selfHostedArgument else { return }
    let keeperArguments = [arguments[0]] + arguments.dropFirst(2)
    let status = withCStringArray(keeperArguments) { argv in
      pipeline_keeper_main(Int32(keeperArguments.count), UnsafeMutablePointer(mutating: argv))
    }
    exit(status)
  }

  /// The keeper program in use, or `nil` when there is none (processes then run without
  /// the guarantee; `pipeline run` warns).
  static var program: Program? {
    if let named = environmentProgram { return named.path.isEmpty ? nil : named }
    if let sibling = siblingProgram { return sibling }
    if selfHosting.load(ordering: .relaxed), let executable = currentExecutable {
      return Program(path: executable, leadingArguments: [executable, selfHostedArgument])
    }
    return nil
  }

  /// Whether commands run under a keeper.
  public static var isAvailable: Bool { program != nil && lifeline != nil }

  /// Where `pipeline-keeper` is expected: next to the running executable.
  public static var expectedLocation: String {
    (currentExecutable.map(folder(of:)) ?? ".") + "/pipeline-keeper"
  }

  /// The read end of the lifeline, handed to every keeper. The write end is never closed
  /// and never written: it only has to exist for as long as `pipeline` does.
  static let lifeline: Int32? = {
    var fds: [Int32] = [-1, -1]
    guard pipeline_pipe_cloexec(&fds) == 0 else { return nil }
    let read = pipeline_move_fd_high(fds[0])
    let write = pipeline_move_fd_high(fds[1])
    guard read >= 0, write >= 0 else { return nil }
    return read
  }()

  private static let environmentProgram: Program? = {
    guard let value = getenv(environmentVariable).map({ String(cString: $0) }), !value.isEmpty else { return nil }
    if value == "none" { return Program(path: "", leadingArguments: []) }
    return Program(path: value, leadingArguments: [value])
  }()

  private static let siblingProgram: Program? = {
    guard let executable = currentExecutable else { return nil }
    let candidate = folder(of: executable) + "/pipeline-keeper"
    guard access(candidate, X_OK) == 0 else { return nil }
    return Program(path: candidate, leadingArguments: [candidate])
  }()

  private static let currentExecutable: String? = {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard length > 0 else { return nil }
    return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }()

  private static func folder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }
}
