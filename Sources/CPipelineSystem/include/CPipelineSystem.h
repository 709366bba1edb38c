#ifndef CPIPELINESYSTEM_H
#define CPIPELINESYSTEM_H

#include <sys/types.h>

/// Starts `path` with `argv` and `envp` in working directory `cwd` (NULL: inherit), with
/// stdin, stdout and stderr set to the given descriptors (-1 for stdin: /dev/null).
/// The child leads a new process group (its pgid is its pid), has an empty signal mask and
/// default dispositions for every catchable signal, so a SIGINT or SIGPIPE that the parent
/// ignores or handles reaches it normally. Returns 0 and sets *pid, or an errno value.
/// `extra_fds[i]` (there are `extra_count`) becomes descriptor 3 + i in the child; pass
/// descriptors numbered above 2 + extra_count (see pipeline_move_fd_high) so that no
/// duplication overwrites one still to come.
int pipeline_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                   int stdin_fd, int stdout_fd, int stderr_fd, const int *extra_fds,
                   int extra_count, pid_t *pid);

/// Moves `fd` to a close-on-exec descriptor numbered 64 or above and closes the original.
/// Returns the new descriptor, or -1 with errno set (the original is then left open).
int pipeline_move_fd_high(int fd);

/// The keeper program (see keeper.c): `argv[1]` is the stop signal, then the grace period
/// in milliseconds, 1 to hand a listening socket on, the program and its argv.
int pipeline_keeper_main(int argc, char *argv[]);

/// pipe2(fds, O_CLOEXEC): a pipe whose ends no concurrently spawned process inherits.
/// Returns 0 or -1 with errno set.
int pipeline_pipe_cloexec(int fds[2]);

/// WIFEXITED and friends, which Swift cannot import as macros.
int pipeline_wifexited(int status);
int pipeline_wexitstatus(int status);
int pipeline_wifsignaled(int status);
int pipeline_wtermsig(int status);

#endif
