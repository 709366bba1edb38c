import CPipelineSystem
@preconcurrency import Glibc

/// One `posix_spawn` of a ``ProcessLaunch``: the pipes, the keeper around the command, and
/// the mapping of failures to a ``LaunchError``. What is left for ``ChildProcess`` is the
/// pid and the parent's ends of the pipes.
struct Spawn {
  /// The process group: the keeper's pid, or the command's without a keeper.
  let pid: pid_t
  /// The command itself.
  let commandPID: pid_t
  let outputReader: Int32
  let errorReader: Int32
  let inputWriter: Int32?
  let isKept: Bool

  /// Spawns `launch`, under `keeper` (the program and the lifeline's read end) when given.
  init(_ launch: ProcessLaunch, keeper: (program: ProcessKeeper.Program, lifeline: Int32)?) throws(LaunchError) {
    var opened = OpenDescriptors()
    defer { opened.closeAll() }
    let output = try opened.pipe(for: launch)
    let errors = try opened.pipe(for: launch)
    var input: (read: Int32, write: Int32)?
    if launch.standardInput == .pipe { input = try opened.pipe(for: launch) }

    var executable = launch.executable
    var arguments = launch.arguments
    var environment = launch.environment
    var extraDescriptors: [Int32] = []
    var execErrors: (read: Int32, write: Int32)?
    if let keeper {
      let execPipe = try opened.pipe(for: launch)
      execErrors = execPipe
      extraDescriptors = [keeper.lifeline, try opened.high(execPipe.write, for: launch)]
      if let socket = launch.listeningSocket { extraDescriptors.append(try opened.duplicateHigh(socket, for: launch)) }
      executable = keeper.program.path
      let milliseconds = max(0, launch.killAfter.components.seconds * 1000 + launch.killAfter.components.attoseconds / 1_000_000_000_000_000)
      arguments = keeper.program.leadingArguments
        + [String(launch.stopSignal.number), String(milliseconds), launch.listeningSocket == nil ? "0" : "1", launch.executable]
        + launch.arguments
    } else if let socket = launch.listeningSocket {
      // Without a keeper nobody can learn the pid before exec: LISTEN_PID stays unset.
      extraDescriptors = [try opened.duplicateHigh(socket, for: launch)]
      environment["LISTEN_FDS"] = "1"
      environment["LISTEN_FDNAMES"] = "pipeline"
    }

    let stdinFD: Int32 = switch launch.standardInput {
    case .null: -1
    case .inherit: 0
    case .pipe: input!.read
    }
    let environmentLines = environment.map { "\($0.key)=\($0.value)" }
    var pid: pid_t = 0
    let result = withCStringArray(arguments) { argv in
      withCStringArray(environmentLines) { envp in
        extraDescriptors.withUnsafeBufferPointer { extra in
          pipeline_spawn(
            executable, argv, envp, launch.workingDirectory, stdinFD, output.write, errors.write,
            extra.baseAddress, Int32(extra.count), &pid)
        }
      }
    }
    // The child has its copies; ours of its ends must go, or reads never see end of file.
    opened.close(output.write, errors.write)
    if let input { opened.close(input.read) }
    if let execErrors { opened.close(execErrors.write) }
    for fd in extraDescriptors { opened.close(fd) }  // the lifeline is not ours: it stays
    guard result == 0 else { throw Self.error(result, launch: launch, executable: launch.executable) }

    var commandPID = pid
    if let execErrors {
      // The keeper reports the command's pid, and its exec failure if any.
      let report = Self.readStartReport(execErrors.read)
      if let reported = report.pid { commandPID = reported }
      if let failure = report.errorNumber {
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        throw Self.error(failure, launch: launch, executable: launch.executable)
      }
    }
    self.pid = pid
    self.commandPID = commandPID
    outputReader = opened.keep(output.read)
    errorReader = opened.keep(errors.read)
    inputWriter = input.map { opened.keep($0.write) }
    isKept = keeper != nil
  }

  /// Reads the keeper's start report until end of file: records of {pid, errno}.
  private static func readStartReport(_ fd: Int32) -> (pid: pid_t?, errorNumber: Int32?) {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 64)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      if count <= 0 { break }
      bytes += buffer[..<count]
    }
    var pid: pid_t?
    var errorNumber: Int32?
    let size = 2 * MemoryLayout<Int32>.size
    for start in stride(from: 0, to: bytes.count - size + 1, by: size) {
      let record = bytes[start..<start + size].withUnsafeBytes { ($0.loadUnaligned(as: Int32.self), $0.loadUnaligned(fromByteOffset: 4, as: Int32.self)) }
      if record.0 > 0 { pid = record.0 }
      if record.1 != 0 { errorNumber = record.1 }
    }
    return (pid, errorNumber)
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

  /// Moves `fd` above the numbers the spawn duplicates onto.
  mutating func high(_ fd: Int32, for launch: ProcessLaunch) throws(LaunchError) -> Int32 {
    let moved = pipeline_move_fd_high(fd)
    guard moved >= 0 else { throw failure(launch) }
    descriptors.remove(fd)
    descriptors.insert(moved)
    return moved
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
