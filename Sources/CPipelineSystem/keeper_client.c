// `pipeline`'s side of the keeper's socket: a spawn request out, the keeper's reports in.
// The keeper's side is keeper_server.c.
#define _GNU_SOURCE
#include "CPipelineSystem.h"
#include "keeper_protocol.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int pipeline_keeper_socketpair(int fds[2]) {
  return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds);
}

static size_t string_list_length(char *const list[], uint32_t *count) {
  size_t length = 0;
  *count = 0;
  for (; list[*count] != NULL; (*count)++) length += strlen(list[*count]) + 1;
  return length;
}

static char *append_string(char *cursor, const char *text) {
  size_t length = strlen(text) + 1;
  memcpy(cursor, text, length);
  return cursor + length;
}

/// Sends `length` bytes as one message, with `fds` attached when there are any.
static int send_message(int socket, const void *bytes, size_t length, const int *fds, int fd_count) {
  struct iovec part = {.iov_base = (void *)bytes, .iov_len = length};
  struct msghdr message = {.msg_iov = &part, .msg_iovlen = 1};
  union {
    char space[CMSG_SPACE(sizeof(int) * KEEPER_MAX_FDS)];
    struct cmsghdr align;
  } control;
  if (fd_count > 0) {
    memset(&control, 0, sizeof control);
    message.msg_control = control.space;
    message.msg_controllen = CMSG_SPACE(sizeof(int) * fd_count);
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int) * fd_count);
    memcpy(CMSG_DATA(header), fds, sizeof(int) * fd_count);
  }
  for (;;) {
    ssize_t sent = sendmsg(socket, &message, MSG_NOSIGNAL);
    if (sent == (ssize_t)length) return 0;
    if (sent < 0 && errno == EINTR) continue;
    return sent < 0 ? errno : EPROTO;
  }
}

int pipeline_keeper_request(int socket, uint32_t request, const char *path, const char *cwd,
                            char *const argv[], char *const envp[], int stop_signal, int grace_ms,
                            int stdout_fd, int stderr_fd, int stdin_fd, int listen_fd) {
  struct keeper_request_header header = {
      .magic = KEEPER_REQUEST_MAGIC, .request = request, .stop_signal = stop_signal, .grace_ms = grace_ms};
  size_t argv_length = string_list_length(argv, &header.argc);
  size_t envp_length = string_list_length(envp, &header.envc);
  if (cwd == NULL) cwd = "";
  size_t body_length = strlen(path) + 1 + strlen(cwd) + 1 + argv_length + envp_length;
  if (body_length > KEEPER_BODY_MAX) return E2BIG;
  header.body_length = (uint32_t)body_length;

  int fds[KEEPER_MAX_FDS] = {stdout_fd, stderr_fd};
  int fd_count = 2;
  if (stdin_fd >= 0) {
    header.flags |= PIPELINE_SPAWN_STDIN;
    fds[fd_count++] = stdin_fd;
  }
  if (listen_fd >= 0) {
    header.flags |= PIPELINE_SPAWN_LISTEN;
    fds[fd_count++] = listen_fd;
  }

  char *buffer = malloc(sizeof header + body_length);
  if (buffer == NULL) return ENOMEM;
  memcpy(buffer, &header, sizeof header);
  char *cursor = append_string(buffer + sizeof header, path);
  cursor = append_string(cursor, cwd);
  for (uint32_t index = 0; index < header.argc; index++) cursor = append_string(cursor, argv[index]);
  for (uint32_t index = 0; index < header.envc; index++) cursor = append_string(cursor, envp[index]);

  // The header and the start of the body with the descriptors; the rest, if any, in
  // continuation messages (a SOCK_SEQPACKET message must fit the socket's buffer whole).
  size_t total = sizeof header + body_length;
  size_t first = total < KEEPER_MESSAGE_MAX ? total : KEEPER_MESSAGE_MAX;
  int result = send_message(socket, buffer, first, fds, fd_count);
  for (size_t offset = first; result == 0 && offset < total; offset += KEEPER_MESSAGE_MAX) {
    size_t length = total - offset < KEEPER_MESSAGE_MAX ? total - offset : KEEPER_MESSAGE_MAX;
    result = send_message(socket, buffer + offset, length, NULL, 0);
  }
  free(buffer);
  return result;
}

static int read_report(int socket, pipeline_keeper_report *report, int flags) {
  for (;;) {
    ssize_t got = recv(socket, report, sizeof *report, flags);
    if (got == (ssize_t)sizeof *report) return 1;
    if (got == 0) return 0;
    if (got < 0 && errno == EINTR) continue;
    return got < 0 ? -errno : -EPROTO;
  }
}

int pipeline_keeper_read_report(int socket, pipeline_keeper_report *report) {
  return read_report(socket, report, 0);
}

int pipeline_keeper_try_read_report(int socket, pipeline_keeper_report *report) {
  return read_report(socket, report, MSG_DONTWAIT);
}
