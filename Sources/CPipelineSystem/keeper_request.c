// The keeper reads a spawn request (keeper_protocol.h) from its socket and checks it.
#define _GNU_SOURCE
#include "keeper_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char message[KEEPER_MESSAGE_MAX];

/// Collects the descriptors that came with a message.
static void take_descriptors(struct msghdr *header, struct keeper_command *command) {
  for (struct cmsghdr *part = CMSG_FIRSTHDR(header); part != NULL; part = CMSG_NXTHDR(header, part)) {
    if (part->cmsg_level != SOL_SOCKET || part->cmsg_type != SCM_RIGHTS) continue;
    int count = (int)((part->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    int *fds = (int *)CMSG_DATA(part);
    for (int index = 0; index < count; index++) {
      if (command->fd_count < KEEPER_MAX_FDS) {
        command->fds[command->fd_count++] = fds[index];
      } else {
        close(fds[index]);
        command->error = EPROTO;
      }
    }
  }
}

static int starts_with(const char *text, const char *prefix) {
  return strncmp(text, prefix, strlen(prefix)) == 0;
}

/// Splits the body into its strings; sets `command->error` when they do not add up.
static void parse_body(struct keeper_command *command, uint32_t argc, uint32_t envc, uint32_t length) {
  size_t expected = 2 + (size_t)argc + envc;
  if (argc == 0 || length == 0 || command->body[length - 1] != '\0') {
    command->error = EPROTO;
    return;
  }
  size_t strings = 0;
  for (uint32_t index = 0; index < length; index++) strings += command->body[index] == '\0';
  if (strings != expected) {
    command->error = EPROTO;
    return;
  }
  command->argv = calloc((size_t)argc + 1, sizeof(char *));
  command->envp = calloc((size_t)envc + 4, sizeof(char *));
  if (command->argv == NULL || command->envp == NULL) {
    command->error = ENOMEM;
    return;
  }
  char *cursor = command->body;
  command->path = cursor;
  cursor += strlen(cursor) + 1;
  command->cwd = cursor;
  cursor += strlen(cursor) + 1;
  for (uint32_t index = 0; index < argc; index++, cursor += strlen(cursor) + 1) command->argv[index] = cursor;
  int listens = (command->flags & PIPELINE_SPAWN_LISTEN) != 0;
  for (uint32_t index = 0; index < envc; index++, cursor += strlen(cursor) + 1) {
    // With a socket, these three are the keeper's to set (LISTEN_PID is the child's pid).
    if (listens && (starts_with(cursor, "LISTEN_FDS=") || starts_with(cursor, "LISTEN_PID=") ||
                    starts_with(cursor, "LISTEN_FDNAMES="))) {
      continue;
    }
    command->envp[command->envc++] = cursor;
  }
}

/// Assigns the received descriptors to their roles; sets `command->error` when the count
/// does not match the flags.
static void assign_descriptors(struct keeper_command *command) {
  int expected = 2 + ((command->flags & PIPELINE_SPAWN_STDIN) != 0) + ((command->flags & PIPELINE_SPAWN_LISTEN) != 0);
  if (command->fd_count != expected) {
    if (command->error == 0) command->error = EPROTO;
    return;
  }
  int next = 0;
  command->stdout_fd = command->fds[next++];
  command->stderr_fd = command->fds[next++];
  if (command->flags & PIPELINE_SPAWN_STDIN) command->stdin_fd = command->fds[next++];
  if (command->flags & PIPELINE_SPAWN_LISTEN) command->listen_fd = command->fds[next++];
}

int keeper_receive_request(int socket, struct keeper_command *command) {
  memset(command, 0, sizeof *command);
  command->stdout_fd = command->stderr_fd = command->stdin_fd = command->listen_fd = -1;
  union {
    char space[CMSG_SPACE(sizeof(int) * KEEPER_MAX_FDS)];
    struct cmsghdr align;
  } control;
  struct iovec part = {.iov_base = message, .iov_len = sizeof message};
  struct msghdr header = {.msg_iov = &part, .msg_iovlen = 1, .msg_control = control.space,
                          .msg_controllen = sizeof control.space};
  ssize_t got;
  do got = recvmsg(socket, &header, MSG_CMSG_CLOEXEC);
  while (got < 0 && errno == EINTR);
  if (got <= 0) return 0;
  take_descriptors(&header, command);
  if (header.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) command->error = EPROTO;

  struct keeper_request_header request;
  if ((size_t)got < sizeof request) {
    command->error = EPROTO;
    return 1;
  }
  memcpy(&request, message, sizeof request);
  command->request = request.request;
  command->stop_signal = request.stop_signal;
  command->grace_ms = request.grace_ms;
  command->flags = request.flags;
  if (request.magic != KEEPER_REQUEST_MAGIC) command->error = EPROTO;

  // The body: what came with the header, then continuation messages until it is complete.
  // A body too large to keep is still read to its end, so the next request starts clean.
  uint32_t length = request.body_length;
  int keeps = length <= KEEPER_BODY_MAX && command->error == 0;
  if (!keeps && command->error == 0) command->error = E2BIG;
  if (keeps && (command->body = malloc(length + 1)) == NULL) {
    command->error = ENOMEM;
    keeps = 0;
  }
  size_t have = (size_t)got - sizeof request;
  if (have > length) have = length;
  if (keeps) memcpy(command->body, message + sizeof request, have);
  while (have < length && request.magic == KEEPER_REQUEST_MAGIC) {
    size_t want = length - have < sizeof message ? length - have : sizeof message;
    char *target = keeps ? command->body + have : message;
    do got = recv(socket, target, want, 0);
    while (got < 0 && errno == EINTR);
    if (got <= 0) {
      keeper_release_command(command);
      return 0;
    }
    have += (size_t)got;
  }
  if (command->error == 0) parse_body(command, request.argc, request.envc, length);
  assign_descriptors(command);
  return 1;
}

void keeper_release_command(struct keeper_command *command) {
  for (int index = 0; index < command->fd_count; index++) close(command->fds[index]);
  command->fd_count = 0;
  free(command->argv);
  free(command->envp);
  free(command->body);
  command->argv = command->envp = NULL;
  command->body = NULL;
}
