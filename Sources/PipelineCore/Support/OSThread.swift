import Glibc

/// Why a thread could not be started: `pthread_create`'s error code.
package struct ThreadStartFailure: Error {
  package let code: Int32
}

/// Starts `body` on a new OS thread named `name` and returns its handle, which the caller
/// must join or detach once.
///
/// `body` is `sending`: it may own non-Sendable state (a watcher backend's table), which from
/// then on only the new thread touches.
package func startThread(named name: String, _ body: sending @escaping () -> Void) throws(ThreadStartFailure) -> pthread_t {
  let context = Unmanaged.passRetained(ThreadBody(name: name, body)).toOpaque()
  var handle = pthread_t()
  let code = pthread_create(&handle, nil, { context in
    let work = Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue()
    nameCurrentThread(work.name)
    work.run()
    return nil
  }, context)
  guard code == 0 else {
    Unmanaged<ThreadBody>.fromOpaque(context).release()
    throw ThreadStartFailure(code: code)
  }
  return handle
}

/// Runs `body` on a new OS thread named `name`, which nobody joins: it ends when `body`
/// returns.
///
/// For work that blocks in a system call (reading a pipe, waiting for a child), which must not
/// hold one of the cooperative pool's threads (as many as cores, two here). A pthread rather
/// than Foundation's `Thread`, so that `pipeline` does not load Foundation and ICU for it.
///
/// When the system refuses a thread (its thread or memory limit is reached), `pipeline`
/// cannot go on safely (a child nobody waits for, output nobody reads): it says so and exits
/// with status 71 (`EX_OSERR`); the process keeper then stops every command it started.
package func startDetachedThread(named name: String, _ body: @escaping @Sendable () -> Void) {
  do {
    pthread_detach(try startThread(named: name, body))
  } catch {
    let reason = String(cString: strerror(error.code))
    let message = "pipeline: error: cannot start a thread for \(name): \(reason)\n"
      + "  help: the system's limit on threads or memory is reached (ulimit -u, /proc/sys/kernel/threads-max)\n"
    _ = message.withCString { write(STDERR_FILENO, $0, strlen($0)) }
    exit(71)
  }
}

/// Carries a thread's closure through `pthread_create`'s untyped context pointer.
private final class ThreadBody {
  let name: String
  let run: () -> Void

  init(name: String, _ run: @escaping () -> Void) {
    self.name = name
    self.run = run
  }
}

/// Shows `name` for the calling thread in `top -H` and `ps -L`. Through /proc because
/// `pthread_setname_np` and `prctl` are not exported by the Glibc module; the kernel keeps 15
/// bytes. A thread created later by this one starts with the same name.
package func nameCurrentThread(_ name: String) {
  let descriptor = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
  guard descriptor >= 0 else { return }
  var bytes = Array(name.utf8.prefix(15))
  _ = write(descriptor, &bytes, bytes.count)
  close(descriptor)
}
