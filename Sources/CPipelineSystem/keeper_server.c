// The keeper: a spawn server that stands between `pipeline` and every command it runs, so
// that no command, nor anything it started, outlives `pipeline` — however `pipeline` dies,
// SIGKILL included.
//
//   pipeline-keeper --serve          (or `pipeline __keeper --serve`, see below)
//
// `pipeline` starts it once, at its first command, in a session of its own, with
// /dev/null as 0, 1 and 2 and, as descriptor 3, its end of a SOCK_SEQPACKET socket pair
// whose other end only `pipeline` holds (close-on-exec: no command inherits it). That
// socket carries everything, and it is the lifeline: when `pipeline` exits, the kernel
// closes its end and the keeper reads end of file. No polling, no race, no dependence on
// which thread started it (PR_SET_PDEATHSIG fires when the *thread* that forked exits).
//
// `pipeline` → keeper: spawn requests (keeper_protocol.h): an id, the program, the working
// directory, argv, the environment, the stop signal and grace period (the stage's
// `kill_after`) for when `pipeline` is gone, and, by SCM_RIGHTS, the command's stdout,
// stderr, its stdin (else it reads /dev/null) and the listening socket of `socket:`.
//
// keeper → `pipeline`: reports (pipeline_keeper_report, CPipelineSystem.h):
//   STARTED {request, pid}   the command runs (its exec succeeded) as `pid`, which is also
//                            its process group and its session: it called setsid() before
//                            the exec;
//   FAILED  {request, errno} nothing runs: the exec (or chdir, fork…) failed with errno;
//   EXITED  {pid, status}    the command ended; `status` is waitpid's, so `pipeline` reports
//                            exactly the code or signal it would have seen itself.
// A STARTED always comes before the EXITED of the same pid.
//
// Each command is vforked from the keeper, then, in the child: a new session, default
// signal dispositions and an empty mask, the descriptors on 0, 1, 2 (and 3 with
// LISTEN_FDS=1, LISTEN_PID=its pid, LISTEN_FDNAMES=pipeline: systemd's socket-activation
// convention), chdir, execve. The keeper resumes once the child has exec'd or exited (an
// exec failure leaves its errno in a variable they share): a request is answered only once
// the command runs or has failed.
//
// `pipeline` still signals the groups itself (`kill(-pgid, …)`) and decides when a group is
// gone. The keeper reaps its children (it is their parent) and reports their ends.
//
// The keeper is a child subreaper (PR_SET_CHILD_SUBREAPER): a process whose parent dies
// becomes its child rather than init's, so what a command started in a group of its own
// (`swift build`'s compilers), or in a session of its own (a daemon), is found among the
// keeper's children once the command is gone (process_children.c), and is reaped by it.
//
// When the socket reports end of file, `pipeline` is gone: the keeper sends each live group
// its own stop signal, waits up to that group's grace period for every process of it to end,
// SIGKILLs what is left, does the same for every group its adopted children lead, and exits
// (keeper_shutdown.c).
//
// It shrugs off SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGPIPE (a handler
// that does nothing, which its commands' exec resets to the default), so that only
// the end of `pipeline` ends it (a SIGKILL aside: `pipeline` then reports it, stops what it
// guarded and starts a new keeper at its next command; see ProcessKeeper.swift).
//
// Written in C and kept small on purpose: one vfork per command instead of two execs, and
// `pipeline-keeper` is linked statically without the Swift runtime (see its target in
// Package.swift), so the process that lives as long as `pipeline` holds about 1 MB. When no `pipeline-keeper` file lies next to `pipeline`, the
// runner serves as its own keeper, `pipeline __keeper --serve`, whose entry point calls
// `pipeline_keeper_main` before anything else: a larger process, but started only once.
//
// Files: keeper_server.c (this loop), keeper_request.c (reading a request),
// keeper_launch.c (vfork and exec), keeper_shutdown.c (the end), keeper_client.c (the
// `pipeline` side), keeper_protocol.h (the request's bytes).

#define _GNU_SOURCE
#include "CPipelineSystem.h"
#include "keeper_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/// The signals the keeper outlives, so that only `pipeline` (its socket) can stop it.
static const int outlived_signals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE};
static const int outlived_signal_count = sizeof outlived_signals / sizeof outlived_signals[0];

enum { socket_fd = PIPELINE_KEEPER_SOCKET_FD };

/// The commands started and not yet reaped.
static struct keeper_child *children;
static size_t child_count, child_capacity;

/// Written by the SIGCHLD handler, polled with the socket. A self-hosted keeper (`pipeline
/// __keeper --serve`) has the Swift runtime's threads too, and the kernel may hand SIGCHLD to
/// any thread that does not block it: interrupting ppoll alone would then miss it, and a
/// command's end would go unreported until the next request.
static int child_signal_pipe[2] = {-1, -1};

static void on_child(int signal_number) {
  (void)signal_number;
  int saved = errno;
  ssize_t written = write(child_signal_pipe[1], "c", 1);  // Full pipe: a wake-up is pending.
  (void)written;
  errno = saved;
}

static void drain_child_signals(void) {
  char bytes[64];
  while (read(child_signal_pipe[0], bytes, sizeof bytes) > 0) {}
}

/// The keeper's answer to the signals it outlives (`outlived_signals`): nothing. A
/// handler rather than `SIG_IGN`, because `execve` resets a handled signal to its default
/// but keeps an ignored one ignored: the vforked child then has no disposition to undo
/// (eight `sigaction` calls fewer before each command's exec).
static void drop_signal(int signal_number) { (void)signal_number; }

static void set_disposition(int signal_number, void (*handler)(int)) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = handler;
  // A handled signal interrupts no system call but `ppoll`, whose callers wait again (in a
  // keeper run by `pipeline` itself, it may land on one of the Swift runtime's threads).
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  sigaction(signal_number, &action, NULL);
}

/// `posix_spawn`, which started the keeper, leaves glibc's two internal signals (32 and 33:
/// thread cancellation and set*id) ignored in the new process, and an ignored signal stays
/// ignored across `execve`: every command would start with them ignored. They go back to
/// their default here, once, through the system call itself (glibc's `sigaction` refuses
/// them); a handler glibc may have installed is left alone.
static void reset_inherited_internal_signals(void) {
  struct {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    unsigned long mask;
  } current, defaults = {SIG_DFL, 0, NULL, 0};
  for (int signal_number = 32; signal_number <= 33; signal_number++) {
    if (syscall(SYS_rt_sigaction, signal_number, NULL, &current, sizeof defaults.mask) != 0) continue;
    if (current.handler == SIG_IGN) syscall(SYS_rt_sigaction, signal_number, &defaults, NULL, sizeof defaults.mask);
  }
}

/// Sends one report. A failure means `pipeline` is gone, which the next read of the socket
/// will tell.
static void report(int32_t kind, uint32_t request, pid_t pid, int32_t value) {
  pipeline_keeper_report message = {.kind = kind, .request = request, .pid = pid, .value = value};
  ssize_t sent;
  do sent = send(socket_fd, &message, sizeof message, MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
}

static int remember(pid_t pid, const struct keeper_command *command) {
  if (child_count == child_capacity) {
    size_t capacity = child_capacity == 0 ? 16 : child_capacity * 2;
    struct keeper_child *grown = realloc(children, capacity * sizeof *children);
    if (grown == NULL) return ENOMEM;
    children = grown;
    child_capacity = capacity;
  }
  children[child_count++] = (struct keeper_child){
      .pid = pid, .stop_signal = command->stop_signal, .grace_ms = command->grace_ms, .leader_reaped = 0};
  return 0;
}

/// Reaps every child that ended and reports it. The keeper's children are all commands it
/// started or processes they left behind (it is their subreaper), so waiting for any of them
/// steals nothing from anyone; an adopted child's end is not reported. A reaped command's group
/// stays guarded while anything is left in it.
static void reap_children(void) {
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    for (size_t index = 0; index < child_count; index++) {
      if (children[index].pid != pid) continue;
      children[index].leader_reaped = 1;
      report(PIPELINE_KEEPER_EXITED, 0, pid, status);
      break;
    }
  }
  // Forget the groups that are empty now. A group's number is not given to a new process
  // while the group has a member, so a group still listed is never someone else's.
  for (size_t index = 0; index < child_count;) {
    if (children[index].leader_reaped && kill(-children[index].pid, 0) != 0 && errno == ESRCH) {
      children[index] = children[--child_count];
    } else {
      index++;
    }
  }
}

/// Whether a reaped command's group still has members: its end will not wake the keeper (they
/// are not its children), so the keeper looks again every second.
static int has_lingering_groups(void) {
  for (size_t index = 0; index < child_count; index++) {
    if (children[index].leader_reaped) return 1;
  }
  return 0;
}

/// Carries out one request and answers it.
static void serve(struct keeper_command *command) {
  int error = command->error;
  pid_t pid = 0;
  if (error == 0) error = keeper_launch(command, &pid);
  if (error == 0 && remember(pid, command) != 0) {
    // Cannot watch it: do not let it run unguarded.
    kill(-pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
    error = ENOMEM;
  }
  if (error == 0) {
    report(PIPELINE_KEEPER_STARTED, command->request, pid, 0);
  } else {
    report(PIPELINE_KEEPER_FAILED, command->request, 0, error);
  }
}

int pipeline_keeper_main(int argc, char *argv[]) {
  struct stat socket_info;
  if (argc != 2 || strcmp(argv[1], "--serve") != 0 || fstat(socket_fd, &socket_info) != 0 ||
      !S_ISSOCK(socket_info.st_mode)) {
    fprintf(stderr, "pipeline-keeper is started by pipeline, not by hand.\n"
                    "usage: pipeline-keeper --serve   (with pipeline's socket as descriptor 3)\n");
    return 125;
  }
  fcntl(socket_fd, F_SETFD, FD_CLOEXEC);
  reset_inherited_internal_signals();
  // Adopts whatever the commands leave behind when their parent dies (see the top).
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  if (pipe2(child_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    fprintf(stderr, "pipeline-keeper: cannot create a pipe: %s\n", strerror(errno));
    return 125;
  }
  for (int index = 0; index < outlived_signal_count; index++) set_disposition(outlived_signals[index], drop_signal);
  // SIGCHLD is blocked except while waiting in ppoll, which it then interrupts: no exit
  // can slip in between the reaping and the wait.
  set_disposition(SIGCHLD, on_child);
  sigset_t child_only, wait_mask;
  sigemptyset(&child_only);
  sigaddset(&child_only, SIGCHLD);
  sigprocmask(SIG_BLOCK, &child_only, &wait_mask);
  sigdelset(&wait_mask, SIGCHLD);

  struct pollfd watched[2] = {
      {.fd = socket_fd, .events = POLLIN},
      {.fd = child_signal_pipe[0], .events = POLLIN},
  };
  struct pollfd *lifeline = &watched[0];
  for (;;) {
    drain_child_signals();
    reap_children();
    lifeline->revents = 0;
    watched[1].revents = 0;
    struct timespec second = {1, 0};
    int ready = ppoll(watched, 2, has_lingering_groups() ? &second : NULL, &wait_mask);
    if (ready <= 0 || lifeline->revents == 0) continue;
    struct keeper_command command;
    if (!keeper_receive_request(socket_fd, &command)) {
      keeper_release_command(&command);
      keeper_stop_all(children, child_count, &wait_mask);
    }
    serve(&command);
    keeper_release_command(&command);
  }
}
