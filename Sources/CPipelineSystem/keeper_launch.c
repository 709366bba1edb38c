// The keeper starts one command: vfork, then, in the child, a session of its own,
// default signals, the descriptors in place, the working directory, and execve.
//
// vfork, not fork: the child borrows the keeper's memory until its exec, so no page table
// is copied and nothing is copied on write afterwards. Measured here, a fork whose exec is
// awaited costs about 160 µs in a process of the keeper's size, a vfork about 50 µs; a
// change that rebuilds and restarts starts two commands. The keeper waits for the exec
// anyway (it answers only once the command runs), which is what vfork does. What the child
// may do is restricted accordingly: system calls only, no allocation, no return from the
// function that called vfork; every signal is blocked until just before the exec, and the
// keeper's handlers that could then run in it do nothing. An exec failure is written to a variable the
// keeper reads once the child has exited.
#define _GNU_SOURCE
#include "keeper_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/// Runs in the vforked child; never returns. What fails is left in `*failure` as an errno,
/// which the keeper reads once the child has exited and hands on to `pipeline`.
static void become_command(struct keeper_command *command, volatile int *failure) __attribute__((noreturn));
static void become_command(struct keeper_command *command, volatile int *failure) {
  // Its own session, and so its own group (both numbered with its pid): `pipeline` signals
  // the group, and finds by the session what left the group (`swift build` puts each
  // compiler in a group of its own; see process_children.c).
  if (setsid() < 0) goto failed;

  // Every descriptor the keeper holds is close-on-exec and numbered above 3, so these
  // duplications overwrite nothing still needed (3, the keeper's socket, included).
  if (command->stdin_fd >= 0 && dup2(command->stdin_fd, 0) < 0) goto failed;
  if (dup2(command->stdout_fd, 1) < 0 || dup2(command->stderr_fd, 2) < 0) goto failed;
  if (command->listen_fd >= 0) {
    if (dup2(command->listen_fd, 3) < 0) goto failed;
    // systemd's socket-activation convention; LISTEN_PID is known only now, after the fork.
    // Written by hand: snprintf is not async-signal-safe. The keeper's memory is the
    // child's until the exec: these entries are written into the request's own environment
    // array (it has room for them), which the keeper releases after the launch.
    static char pid_entry[32] = "LISTEN_PID=";
    char digits[16];
    int count = 0;
    for (unsigned int value = (unsigned int)getpid(); value > 0 || count == 0; value /= 10) {
      digits[count++] = (char)('0' + value % 10);
    }
    char *end = pid_entry + sizeof "LISTEN_PID=" - 1;
    while (count > 0) *end++ = digits[--count];
    *end = '\0';
    command->envp[command->envc] = "LISTEN_FDS=1";
    command->envp[command->envc + 1] = pid_entry;
    command->envp[command->envc + 2] = "LISTEN_FDNAMES=pipeline";
    command->envp[command->envc + 3] = NULL;
  }
  if (command->cwd[0] != '\0' && chdir(command->cwd) != 0) goto failed;
  // The keeper handles every signal it changed (none is ignored), and execve resets handled
  // signals to their defaults: only the mask is left to empty. A signal that arrives before
  // the exec runs a keeper handler here, which touches nothing (see keeper_server.c).
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, NULL);
  execve(command->path, command->argv, command->envp);
failed:
  *failure = errno != 0 ? errno : EIO;
  _exit(127);
}

int keeper_launch(struct keeper_command *command, pid_t *pid) {
  // Every signal blocked across the vfork: the child unblocks them once it has reset their
  // dispositions, the keeper once the child has exec'd or exited.
  sigset_t all, previous;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &previous);
  volatile int failure = 0;
  pid_t child = vfork();
  if (child == 0) become_command(command, &failure);
  int error = child < 0 ? errno : 0;
  sigprocmask(SIG_SETMASK, &previous, NULL);
  if (child < 0) return error;
  // The child has exec'd (the command runs) or exited (with its errno in `failure`).
  if (failure != 0) {
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    return failure;
  }
  *pid = child;
  return 0;
}
