import CPipelineSystem
@preconcurrency import Glibc

/// One start of a ``ProcessLaunch``: the pipes, the request to the keeper (or a direct
/// `posix_spawn` without one), and the mapping of failures to a ``LaunchError``. What is left
/// for ``ChildProcess`` is the pid and the parent's ends of the pipes.
struct Spawn {
  /// The command's pid, which is also its process group.
  let pid: pid_t
  let outputReader: Int32
  let errorReader: Int32
  let inputWriter: Int32?
  /// The keeper that started the command and will report its end; `nil` when `pipeline`
  /// started it itself and reaps it.
  let server: SpawnServer?

  /// Starts `launch` through `server`, or directly without one.
  init(_ launch: ProcessLaunch, server: SpawnServer?) throws(LaunchError) {
    var opened = OpenDescriptors()
    defer { opened.closeAll() }
    let output = try opened.pipe(for: launch)
    let errors = try opened.pipe(for: launch)
    var input: (read: Int32, write: Int32)?
    if launch.standardInput == .pipe { input = try opened.pipe(for: launch) }
    let stdinFD: Int32? = switch launch.standardInput {
    case .null: nil
    case .inherit: 0
    case .pipe: input!.read
    }

    let pid: pid_t
    if let server {
      pid = try Self.request(launch, from: server, output: output.write, errors: errors.write, input: stdinFD)
    } else {
      pid = try Self.spawnDirectly(launch, output: output.write, errors: errors.write, input: stdinFD, opened: &opened)
    }
    // The child has its copies; ours of its ends must go, or reads never see end of file.
    opened.close(output.write, errors.write)
    if let input { opened.close(input.read) }
    self.pid = pid
    self.server = server
    outputReader = opened.keep(output.read)
    errorReader = opened.keep(errors.read)
    inputWriter = input.map { opened.keep($0.write) }
  }

  private static func request(
    _ launch: ProcessLaunch, from server: SpawnServer, output: Int32, errors: Int32, input: Int32?
  ) throws(LaunchError) -> pid_t {
    do {
      return try server.spawn(launch, output: output, errors: errors, input: input)
    } catch {
      switch error {
      case .command(let number):
        throw Self.error(number, launch: launch, executable: launch.executable)
      case .keeperGone:
        throw .failed(
          program: launch.executable, errno: EPIPE,
          reason: "the process keeper (pid \(server.pid)) ended before it could start it")
      }
    }
  }

  /// Without a keeper: `posix_spawn` in a new group. A socket is handed on without
  /// `LISTEN_PID`, since nobody learns the pid before the exec.
  private static func spawnDirectly(
    _ launch: ProcessLaunch, output: Int32, errors: Int32, input: Int32?, opened: inout OpenDescriptors
  ) throws(LaunchError) -> pid_t {
    var environment = launch.environment
    var extraDescriptors: [Int32] = []
    if let socket = launch.listeningSocket {
      extraDescriptors = [try opened.duplicateHigh(socket, for: launch)]
      environment["LISTEN_FDS"] = "1"
      environment["LISTEN_FDNAMES"] = "pipeline"
    }
    defer { for fd in extraDescriptors { opened.close(fd) } }
    var pid: pid_t = 0
    let result = withCStringArray(launch.arguments) { argv in
      withCStringArray(environment: environment) { envp in
        extraDescriptors.withUnsafeBufferPointer { extra in
          pipeline_spawn(
            launch.executable, argv, envp, launch.workingDirectory, input ?? -1, output, errors,
            extra.baseAddress, Int32(extra.count), &pid)
        }
      }
    }
    guard result == 0 else { throw error(result, launch: launch, executable: launch.executable) }
    return pid
  }

  private static func error(_ number: Int32, launch: ProcessLaunch, executable: String) -> LaunchError {
    switch number {
    case ENOENT:
      var info = stat()
      if stat(launch.workingDirectory, &info) != 0 {
        return .failed(program: executable, errno: number, reason: "working directory \(launch.workingDirectory) does not exist")
      }
      return .notFound(launch.arguments.first ?? executable)
    case EACCES: return .failed(program: executable, errno: number, reason: "permission denied (is it executable? `chmod +x \(executable)`)")
    case ENOEXEC: return .failed(program: executable, errno: number, reason: "not an executable file (a script needs a #! line)")
    default: return .failed(program: executable, errno: number, reason: String(cString: strerror(number)))
    }
  }
}

/// The descriptors a spawn opened: whatever is not explicitly kept or closed is closed when
/// the spawn ends, on every path out of it.
private struct OpenDescriptors {
  private var descriptors: Set<Int32> = []

  mutating func pipe(for launch: ProcessLaunch) throws(LaunchError) -> (read: Int32, write: Int32) {
    var fds: [Int32] = [-1, -1]
    guard pipeline_pipe_cloexec(&fds) == 0 else { throw failure(launch) }
    descriptors.formUnion(fds)
    return (fds[0], fds[1])
  }

  /// A high close-on-exec copy of a descriptor the caller owns.
  mutating func duplicateHigh(_ fd: Int32, for launch: ProcessLaunch) throws(LaunchError) -> Int32 {
    let copy = fcntl(fd, F_DUPFD_CLOEXEC, 64)
    guard copy >= 0 else { throw failure(launch) }
    descriptors.insert(copy)
    return copy
  }

  mutating func close(_ fds: Int32...) {
    for fd in fds where descriptors.remove(fd) != nil { Glibc.close(fd) }
  }

  mutating func keep(_ fd: Int32) -> Int32 {
    descriptors.remove(fd)
    return fd
  }

  mutating func closeAll() {
    for fd in descriptors { Glibc.close(fd) }
    descriptors = []
  }

  private func failure(_ launch: ProcessLaunch) -> LaunchError {
    .failed(program: launch.executable, errno: errno, reason: String(cString: strerror(errno)))
  }
}
