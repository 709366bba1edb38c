// The keeper: stands between `pipeline` and one command it runs, so that the
// command's whole process group dies when `pipeline` dies — however it dies, SIGKILL
// included.
//
//   pipeline-keeper SIGNAL GRACE_MS LISTEN PROGRAM ARGV0 ARGS...
//
// It runs as its own tiny program, `pipeline-keeper` (Sources/PipelineKeeper), or — when
// that file is missing, as in a custom runner built from the library — as
// `pipeline __keeper …`, whose entry point calls `pipeline_keeper_main` before anything else.
//
// `pipeline` starts the keeper as the leader of a new process group, with these
// descriptors:
//   0, 1, 2  the command's stdin, stdout and stderr;
//   3        the lifeline: the read end of a pipe whose only write end `pipeline` holds.
//            When `pipeline` exits, the kernel closes it and the read end reports end of
//            file: no polling, no race, no dependence on which thread started us
//            (PR_SET_PDEATHSIG fires when the *thread* that forked exits);
//   4        the start report: records of two ints, written whole (so never interleaved):
//            the keeper writes {command pid, 0} after the fork; the command, should its
//            exec fail, writes {its pid, errno}. The pipe closes at the exec (close-on-exec),
//            so `pipeline` reads until end of file and knows the outcome;
//   5        with LISTEN=1, a listening socket handed to the command as fd 3 with
//            LISTEN_FDS=1 and LISTEN_PID set (systemd's socket-activation convention).
//
// The keeper forks the command into its own group, ignores the stop signals that
// `pipeline` sends to the whole group (the command gets them), and exits with the
// command's status — the same code, or the same signal — so `pipeline` sees the keeper
// exactly as it would see the command. When the lifeline breaks, it sends SIGNAL to the
// group, waits up to GRACE_MS for every process of the group to end, then sends SIGKILL
// to the group (itself included).
//
// Written in C and kept tiny on purpose: it starts in 1-2 ms (SwiftPM links libswiftCore
// into it too) and holds a few MB, mostly shared, where a Swift program would take 6 ms
// and 15 MB per command.

#define _GNU_SOURCE
#include "CPipelineSystem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum { lifeline_fd = 3, exec_error_fd = 4, listen_fd = 5 };

/// The signals `pipeline` may send to the group to stop the command. The keeper ignores
/// them, so that it outlives the command and reports its status.
static const int stop_signals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE};
enum { stop_signal_count = sizeof stop_signals / sizeof stop_signals[0] };

static void on_child(int signal_number) { (void)signal_number; }

static void set_disposition(int signal_number, void (*handler)(int)) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  sigaction(signal_number, &action, NULL);
}

/// Exits the way the command did: with its exit code, or killed by its signal.
static void exit_like(int status) {
  if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
  int signal_number = WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL;
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  set_disposition(signal_number, SIG_DFL);
  sigset_t only;
  sigemptyset(&only);
  sigaddset(&only, signal_number);
  sigprocmask(SIG_UNBLOCK, &only, NULL);
  kill(getpid(), signal_number);
  _exit(128 + signal_number);
}

static long long now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/// Whether a process other than the keeper, and not a zombie, is in the keeper's group.
/// Read from /proc: the group's own members may have lost their parent (a shell wrapper
/// that died first), so waiting for the command alone is not enough.
static int group_has_other_living_member(void) {
  pid_t self = getpid();
  pid_t group = getpgrp();
  DIR *proc = opendir("/proc");
  if (proc == NULL) return 0;
  int found = 0;
  struct dirent *entry;
  while (!found && (entry = readdir(proc)) != NULL) {
    char *end;
    long pid = strtol(entry->d_name, &end, 10);
    if (*end != '\0' || pid <= 0 || pid == self) continue;
    char path[64], text[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t length = read(fd, text, sizeof text - 1);
    close(fd);
    if (length <= 0) continue;
    text[length] = '\0';
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
    char *close_paren = strrchr(text, ')');
    char state;
    long parent, member_group;
    if (close_paren == NULL || sscanf(close_paren + 1, " %c %ld %ld", &state, &parent, &member_group) != 3) continue;
    if (member_group == group && state != 'Z' && state != 'X') found = 1;
  }
  closedir(proc);
  return found;
}

/// `pipeline` is gone: stop the group as `pipeline` would have — the signal, then up to
/// the grace period for every process of it to end — then kill what is left.
static void stop_orphaned_group(pid_t command, int stop_signal, long grace_ms,
                                const sigset_t *wait_mask) {
  kill(0, stop_signal);
  long long deadline = now_ms() + grace_ms;
  long pause_ms = 1;
  for (;;) {
    int status;
    waitpid(command, &status, WNOHANG);
    if (!group_has_other_living_member()) break;
    long long left = deadline - now_ms();
    if (left <= 0) break;
    long wait_ms = pause_ms < left ? pause_ms : (long)left;
    struct timespec pause = {wait_ms / 1000, (wait_ms % 1000) * 1000000};
    ppoll(NULL, 0, &pause, wait_mask);
    if (pause_ms < 20) pause_ms *= 2;
  }
  // The command may be gone while its children are not: whatever is left goes, us included.
  kill(0, SIGKILL);
  _exit(137);
}

static void run_command(const char *program, char *const argv[], int listens) {
  for (int index = 0; index < stop_signal_count; index++) set_disposition(stop_signals[index], SIG_DFL);
  set_disposition(SIGCHLD, SIG_DFL);
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, NULL);
  if (listens) {
    // Replaces the lifeline (close-on-exec anyway) with the socket, as fd 3.
    if (dup2(listen_fd, 3) < 0) goto failed;
    close(listen_fd);
    char pid_text[24];
    snprintf(pid_text, sizeof pid_text, "%d", (int)getpid());
    setenv("LISTEN_FDS", "1", 1);
    setenv("LISTEN_PID", pid_text, 1);
    setenv("LISTEN_FDNAMES", "pipeline", 1);
  }
  execve(program, argv, environ);
failed:;
  int record[2] = {(int)getpid(), errno};
  ssize_t written = write(exec_error_fd, record, sizeof record);
  (void)written;
  _exit(127);
}

int pipeline_keeper_main(int argc, char *argv[]) {
  if (argc < 6) {
    fprintf(stderr, "pipeline-keeper is started by pipeline, not by hand.\n"
                    "usage: pipeline-keeper SIGNAL GRACE_MS LISTEN PROGRAM ARGV0 [ARGS...]\n");
    return 125;
  }
  int stop_signal = atoi(argv[1]);
  long grace_ms = atol(argv[2]);
  int listens = atoi(argv[3]) != 0;
  const char *program = argv[4];
  char *const *command_argv = &argv[5];

  fcntl(lifeline_fd, F_SETFD, FD_CLOEXEC);
  fcntl(exec_error_fd, F_SETFD, FD_CLOEXEC);
  for (int index = 0; index < stop_signal_count; index++) set_disposition(stop_signals[index], SIG_IGN);
  // SIGCHLD is blocked except while waiting in ppoll, which it then interrupts.
  set_disposition(SIGCHLD, on_child);
  sigset_t child_only, wait_mask;
  sigemptyset(&child_only);
  sigaddset(&child_only, SIGCHLD);
  sigprocmask(SIG_BLOCK, &child_only, &wait_mask);
  sigdelset(&wait_mask, SIGCHLD);

  pid_t command = fork();
  if (command < 0) {
    int record[2] = {0, errno};
    ssize_t written = write(exec_error_fd, record, sizeof record);
    (void)written;
    return 127;
  }
  if (command == 0) run_command(program, command_argv, listens);
  int record[2] = {(int)command, 0};
  ssize_t written = write(exec_error_fd, record, sizeof record);
  (void)written;
  close(exec_error_fd);
  if (listens) close(listen_fd);

  struct pollfd lifeline = {.fd = lifeline_fd, .events = POLLIN};
  for (;;) {
    int status;
    pid_t reaped = waitpid(command, &status, WNOHANG);
    if (reaped == command) exit_like(status);
    if (reaped < 0 && errno == ECHILD) _exit(0);
    lifeline.revents = 0;
    int ready = ppoll(&lifeline, 1, NULL, &wait_mask);
    if (ready > 0 && lifeline.revents != 0) {
      char byte;
      ssize_t got = read(lifeline_fd, &byte, 1);
      if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) {
        stop_orphaned_group(command, stop_signal, grace_ms, &wait_mask);
      }
    }
  }
}
