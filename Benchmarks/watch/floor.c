// The floor: the system calls a restart needs and nothing else, to show what this machine
// allows at the hour of the run. No tool does less and still restarts the app after a build:
//
//   inotify (recursive, set up once) → read → posix_spawn the build, wait for it →
//   SIGTERM the app, wait for it → posix_spawn the app
//
// One restart per read() of the inotify descriptor, whatever it holds. No debounce, no
// filter, no output handling, no process groups: not a watcher anyone should use, only a
// reference for the latency of the others.
//
// Usage: floor FOLDER -- BUILD [ARG…] -- APP [ARG…]
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int watcher;
static const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE;

static int add_folder(const char *path, const struct stat *info, int type, struct FTW *walk) {
  (void)info;
  (void)walk;
  if (type == FTW_D && inotify_add_watch(watcher, path, mask) < 0) {
    perror(path);
    return 1;
  }
  return 0;
}

static pid_t start(char **argv) {
  pid_t pid;
  int error = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
  if (error != 0) {
    fprintf(stderr, "floor: cannot start %s: %s\n", argv[0], strerror(error));
    return -1;
  }
  return pid;
}

static int wait_for(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

int main(int argc, char *argv[]) {
  char **build = NULL, **app = NULL;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--") != 0) continue;
    argv[i] = NULL;
    if (build == NULL) build = &argv[i + 1];
    else if (app == NULL) app = &argv[i + 1];
  }
  if (argc < 6 || build == NULL || app == NULL || build[0] == NULL || app[0] == NULL) {
    fprintf(stderr, "usage: floor FOLDER -- BUILD [ARG…] -- APP [ARG…]\n");
    return 2;
  }
  watcher = inotify_init1(IN_CLOEXEC);
  if (watcher < 0 || nftw(argv[1], add_folder, 64, FTW_PHYS) != 0) return 1;
  pid_t running = wait_for(start(build)) == 0 ? start(app) : -1;
  char events[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
  for (;;) {
    ssize_t count = read(watcher, events, sizeof events);
    if (count < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    pid_t builder = start(build);
    if (builder < 0 || wait_for(builder) != 0) continue;  // a failed build keeps the app
    if (running > 0) {
      kill(running, SIGTERM);
      wait_for(running);
    }
    running = start(app);
  }
}
