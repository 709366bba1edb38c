#define _GNU_SOURCE
#include "CPipelineSystem.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

int pipeline_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                   int stdin_fd, int stdout_fd, int stderr_fd, const int *extra_fds,
                   int extra_count, pid_t *pid) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  int result = posix_spawn_file_actions_init(&actions);
  if (result != 0) return result;
  result = posix_spawnattr_init(&attributes);
  if (result != 0) {
    posix_spawn_file_actions_destroy(&actions);
    return result;
  }

  if (stdin_fd >= 0) {
    result = posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0);
  } else {
    result = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  if (result == 0) result = posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
  if (result == 0) result = posix_spawn_file_actions_adddup2(&actions, stderr_fd, 2);
  for (int index = 0; result == 0 && index < extra_count; index++) {
    result = posix_spawn_file_actions_adddup2(&actions, extra_fds[index], 3 + index);
  }
  // Nothing else of pipeline's leaks into the child: a descriptor another thread opened
  // without O_CLOEXEC a moment ago (a file being written) would otherwise stay open in the
  // app for its whole life, and make `exec` of that file fail with ETXTBSY.
  if (result == 0) result = posix_spawn_file_actions_addclosefrom_np(&actions, 3 + extra_count);
  if (result == 0 && cwd != NULL) result = posix_spawn_file_actions_addchdir_np(&actions, cwd);

  sigset_t empty, all_default;
  sigemptyset(&empty);
  sigfillset(&all_default);
  sigdelset(&all_default, SIGKILL);
  sigdelset(&all_default, SIGSTOP);
  if (result == 0) result = posix_spawnattr_setsigmask(&attributes, &empty);
  if (result == 0) result = posix_spawnattr_setsigdefault(&attributes, &all_default);
  // A session of its own, which makes it the leader of a group of its own too: what it
  // starts in groups of their own stays in its session (see process_children.c).
  if (result == 0) {
    result = posix_spawnattr_setflags(
        &attributes, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }
  if (result == 0) result = posix_spawn(pid, path, &actions, &attributes, argv, envp);

  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  return result;
}

int pipeline_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int pipeline_move_fd_high(int fd) {
  int moved = fcntl(fd, F_DUPFD_CLOEXEC, 64);
  if (moved >= 0) close(fd);
  return moved;
}

int pipeline_wifexited(int status) { return WIFEXITED(status); }
int pipeline_wexitstatus(int status) { return WEXITSTATUS(status); }
int pipeline_wifsignaled(int status) { return WIFSIGNALED(status); }
int pipeline_wtermsig(int status) { return WTERMSIG(status); }
