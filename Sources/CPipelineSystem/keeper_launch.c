// The keeper starts one command: fork, then, in the child, a process group of its own,
// default signals, the descriptors in place, the working directory, and execve. An exec
// failure travels back to the keeper through a close-on-exec pipe.
#define _GNU_SOURCE
#include "keeper_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/// Runs in the forked child; never returns. Anything that fails is written to `report_fd`
/// as an errno, which the keeper hands on to `pipeline`.
static void become_command(struct keeper_command *command, int report_fd) __attribute__((noreturn));
static void become_command(struct keeper_command *command, int report_fd) {
  int error = 0;
  // Its own group, so that `pipeline` can signal it and everything it starts as one.
  if (setpgid(0, 0) != 0) goto failed;
  struct sigaction defaults;
  memset(&defaults, 0, sizeof defaults);
  defaults.sa_handler = SIG_DFL;
  sigemptyset(&defaults.sa_mask);
  for (int index = 0; index < keeper_ignored_signal_count; index++) sigaction(keeper_ignored_signals[index], &defaults, NULL);
  sigaction(SIGCHLD, &defaults, NULL);
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, NULL);

  // Every descriptor the keeper holds is close-on-exec and numbered above 3, so these
  // duplications overwrite nothing still needed (3, the keeper's socket, included).
  if (command->stdin_fd >= 0 && dup2(command->stdin_fd, 0) < 0) goto failed;
  if (dup2(command->stdout_fd, 1) < 0 || dup2(command->stderr_fd, 2) < 0) goto failed;
  if (command->listen_fd >= 0) {
    if (dup2(command->listen_fd, 3) < 0) goto failed;
    // systemd's socket-activation convention; LISTEN_PID is known only now, after the fork.
    // Written by hand: snprintf is not async-signal-safe, and the self-hosted keeper that
    // forked this child has other threads.
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
  execve(command->path, command->argv, command->envp);
failed:
  error = errno;
  ssize_t written = write(report_fd, &error, sizeof error);
  (void)written;
  _exit(127);
}

int keeper_launch(struct keeper_command *command, pid_t *pid) {
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) return errno;
  pid_t child = fork();
  if (child < 0) {
    int error = errno;
    close(report[0]);
    close(report[1]);
    return error;
  }
  if (child == 0) become_command(command, report[1]);
  close(report[1]);
  // End of file: the exec happened (the pipe was close-on-exec). Four bytes: its errno.
  int error = 0;
  ssize_t got;
  do got = read(report[0], &error, sizeof error);
  while (got < 0 && errno == EINTR);
  close(report[0]);
  if (got == (ssize_t)sizeof error) {
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    return error != 0 ? error : EIO;
  }
  *pid = child;
  return 0;
}
