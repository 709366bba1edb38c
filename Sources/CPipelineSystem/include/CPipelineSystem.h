#ifndef CPIPELINESYSTEM_H
#define CPIPELINESYSTEM_H

#include <stdint.h>
#include <sys/types.h>

/// Starts `path` with `argv` and `envp` in working directory `cwd` (NULL: inherit), with
/// stdin, stdout and stderr set to the given descriptors (-1 for stdin: /dev/null).
/// The child leads a new session and process group (both numbered with its pid), has an
/// empty signal mask and default dispositions for every catchable signal, so a SIGINT or SIGPIPE that the parent
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

/// Limits glibc's malloc to `count` arenas (M_ARENA_MAX). By default each thread that
/// allocates may get an arena of its own, and memory freed into one arena is not reused by
/// another. Returns 0, or -1 where it does not apply (not glibc) or was refused.
int pipeline_limit_malloc_arenas(int count);

/// A close-on-exec epoll instance, or -1 with errno set. (epoll_event is a packed struct,
/// which Swift cannot build portably: these three calls keep it on the C side.)
int pipeline_epoll_create(void);

/// Adds `fd` to `epoll` for input (level-triggered), identified by `token`.
/// Returns 0, or -1 with errno set.
int pipeline_epoll_add(int epoll, int fd, uint64_t token);

/// Removes `fd` from `epoll`. Returns 0, or -1 with errno set.
int pipeline_epoll_remove(int epoll, int fd);

/// Waits for input on `epoll` for at most `timeout_ms` (0: only what is ready now; -1:
/// forever) and writes the tokens of at most `capacity` ready descriptors to `tokens`.
/// Returns how many, or -1 with errno set (EINTR included).
int pipeline_epoll_wait_for(int epoll, uint64_t *tokens, int capacity, int timeout_ms);

/// A close-on-exec, non-blocking eventfd (a wake-up for a thread waiting in epoll), or -1
/// with errno set.
int pipeline_eventfd_create(void);

/// Makes the eventfd readable (adds one to its counter).
void pipeline_eventfd_signal(int fd);

/// Reads the eventfd's counter back to zero, so it is no longer readable.
void pipeline_eventfd_clear(int fd);

/// A close-on-exec, non-blocking timerfd on CLOCK_MONOTONIC, or -1 with errno set.
int pipeline_timerfd_create(void);

/// Arms the timerfd to fire once at `deadline_ns` (CLOCK_MONOTONIC, absolute), or disarms it
/// for 0. Returns 0, or -1 with errno set.
int pipeline_timerfd_set(int fd, uint64_t deadline_ns);

/// Reads the timerfd's expirations, so it is no longer readable.
void pipeline_timerfd_clear(int fd);

/// The keeper, a spawn server (see keeper_server.c): `pipeline-keeper --serve`, started once
/// by `pipeline` with its end of the keeper's socket as descriptor 3. Returns only on misuse
/// (with a usage message and status 125); otherwise it exits when `pipeline` is gone.
int pipeline_keeper_main(int argc, char *argv[]);

/// The descriptor the keeper finds its socket on.
#define PIPELINE_KEEPER_SOCKET_FD 3

/// Flags of a spawn request.
#define PIPELINE_SPAWN_LISTEN 1 /* a listening socket goes along: fd 3, LISTEN_FDS, LISTEN_PID */
#define PIPELINE_SPAWN_STDIN 2  /* a standard input goes along (otherwise: /dev/null) */

/// The kinds of report the keeper sends.
#define PIPELINE_KEEPER_STARTED 1 /* request `request` started as `pid` */
#define PIPELINE_KEEPER_FAILED 2  /* request `request` failed: `value` is the errno */
#define PIPELINE_KEEPER_EXITED 3  /* command `pid` ended: `value` is its raw wait status */

/// One report of the keeper to `pipeline`: one message on the socket.
typedef struct {
  int32_t kind;
  uint32_t request;
  int32_t pid;
  int32_t value;
} pipeline_keeper_report;

/// A connected pair of close-on-exec SOCK_SEQPACKET Unix sockets. Returns 0 or -1 with errno.
int pipeline_keeper_socketpair(int fds[2]);

/// Sends one spawn request on `socket` (see keeper_protocol.h): the command (`path`, `argv`
/// and `envp` NULL-terminated, `cwd` or NULL), its stop signal and grace period for when
/// `pipeline` is gone, and its descriptors (`stdin_fd` and `listen_fd` -1 when absent).
/// Not thread-safe: callers send one request at a time. Returns 0 or an errno value.
int pipeline_keeper_request(int socket, uint32_t request, const char *path, const char *cwd,
                            char *const argv[], char *const envp[], int stop_signal, int grace_ms,
                            int stdout_fd, int stderr_fd, int stdin_fd, int listen_fd);

/// Waits for the keeper's next report. Returns 1 with `*report` filled, 0 at end of file
/// (the keeper is gone, or the socket was shut down), or an errno value negated.
int pipeline_keeper_read_report(int socket, pipeline_keeper_report *report);

/// Like `pipeline_keeper_read_report`, without waiting: -EAGAIN when no report is there.
int pipeline_keeper_try_read_report(int socket, pipeline_keeper_report *report);

/// pipe2(fds, O_CLOEXEC): a pipe whose ends no concurrently spawned process inherits.
/// Returns 0 or -1 with errno set.
int pipeline_pipe_cloexec(int fds[2]);

/// The children of process `pid` (of each of its threads), read from
/// /proc/PID/task/TID/children: at most `capacity` pids are written to `children`. Returns how
/// many children there are (more than `capacity` when they did not all fit), or -1 with errno
/// set (no such process, or a kernel without that file).
int pipeline_children_of(pid_t pid, pid_t *children, int capacity);

/// The state letter (`R`, `S`, `Z`…), process group and session of process `pid`, read from
/// /proc/PID/stat. Returns 0, or -1 with errno set (no such process).
int pipeline_process_ids(pid_t pid, char *state, pid_t *group, pid_t *session);

/// The state letter, process group and session from the text of a /proc/PID/stat file
/// (NUL-terminated): `pid (comm) S ppid pgrp session …`, read after the last `)`, since the
/// command may itself hold spaces and parentheses. Returns 0, or -1 when the text is not
/// such a line.
int pipeline_parse_stat(const char *text, char *state, pid_t *group, pid_t *session);

/// WIFEXITED and friends, which Swift cannot import as macros.
int pipeline_wifexited(int status);
int pipeline_wexitstatus(int status);
int pipeline_wifsignaled(int status);
int pipeline_wtermsig(int status);

#endif
