// What the keeper's own files share (keeper_server.c, keeper_request.c, keeper_launch.c,
// keeper_shutdown.c). Not part of the public header.
#ifndef KEEPER_INTERNAL_H
#define KEEPER_INTERNAL_H

#include "CPipelineSystem.h"
#include "keeper_protocol.h"

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/// One spawn request, read and checked.
struct keeper_command {
  uint32_t request;
  int stop_signal;
  long grace_ms;
  uint32_t flags;
  /// 0, or why the request cannot be carried out (EPROTO, E2BIG, ENOMEM): it is then
  /// answered with that errno and nothing is started.
  int error;
  char *body;
  const char *path;
  const char *cwd;
  char **argv;
  /// The environment, with three free slots before its NULL for the LISTEN_* variables.
  char **envp;
  size_t envc;
  int fds[KEEPER_MAX_FDS];
  int fd_count;
  int stdout_fd, stderr_fd, stdin_fd, listen_fd;
};

/// A command the keeper started and has not yet seen end.
struct keeper_child {
  pid_t pid;
  int stop_signal;
  long grace_ms;
  /// The command itself was reaped, but processes it left in its group still run (a
  /// daemonized child, `cmd &` in a wrapper script): the group is still guarded until empty.
  int leader_reaped;
};

/// Reads the next request. Returns 1 with `*command` filled (check `command->error`), 0 when
/// `pipeline` is gone (end of file, or the socket broke).
int keeper_receive_request(int socket, struct keeper_command *command);

/// Closes the request's descriptors and frees its memory.
void keeper_release_command(struct keeper_command *command);

/// Forks the command into a new session (and group) of its own and executes it. Returns 0 with
/// `*pid` once the exec succeeded, or the errno of the failure (the child is then reaped).
int keeper_launch(struct keeper_command *command, pid_t *pid);

/// `pipeline` is gone: sends each child's group its stop signal, waits up to each one's grace
/// period for the group to end, SIGKILLs what is left, and exits.
void keeper_stop_all(const struct keeper_child *children, size_t count, const sigset_t *wait_mask)
    __attribute__((noreturn));

#endif
