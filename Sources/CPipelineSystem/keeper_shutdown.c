// The keeper's last job, when `pipeline` is gone however it went: stop every group it
// started the way `pipeline` would have, each with its own stage's signal and grace period.
#define _GNU_SOURCE
#include "keeper_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/// Marks in `alive` the groups among `groups` that still hold a living process (not a
/// zombie). Read from /proc: a group's members may have lost their parent (a shell wrapper
/// that died first), so the keeper's own children tell only part of the story.
static void find_living_groups(const pid_t *groups, size_t count, char *alive) {
  enum { exists = 1, living = 2 };
  int any = 0;
  for (size_t index = 0; index < count; index++) {
    // No process at all in the group: gone, without reading /proc. (0 marks a group done.)
    alive[index] = groups[index] > 0 && !(kill(-groups[index], 0) != 0 && errno == ESRCH) ? exists : 0;
    any |= alive[index];
  }
  if (!any) return;
  DIR *proc = opendir("/proc");
  if (proc == NULL) return;  // cannot tell: every group that exists counts as alive
  struct dirent *entry;
  while ((entry = readdir(proc)) != NULL) {
    char *end;
    long pid = strtol(entry->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
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
    long parent, group;
    if (close_paren == NULL || sscanf(close_paren + 1, " %c %ld %ld", &state, &parent, &group) != 3) continue;
    if (state == 'Z' || state == 'X') continue;
    for (size_t index = 0; index < count; index++) {
      if (alive[index] != 0 && groups[index] == group) alive[index] |= living;
    }
  }
  closedir(proc);
  for (size_t index = 0; index < count; index++) alive[index] = (alive[index] & living) != 0;
}

void keeper_stop_all(const struct keeper_child *children, size_t count, const sigset_t *wait_mask) {
  pid_t *groups = calloc(count + 1, sizeof(pid_t));
  char *alive = calloc(count + 1, 1);
  long long *deadlines = calloc(count + 1, sizeof(long long));
  long long start = now_ms();
  for (size_t index = 0; index < count; index++) {
    kill(-children[index].pid, children[index].stop_signal);
    if (groups != NULL) groups[index] = children[index].pid;
    if (deadlines != NULL) deadlines[index] = start + children[index].grace_ms;
  }
  if (groups == NULL || alive == NULL || deadlines == NULL) {
    // No memory to wait with: the strict way out.
    for (size_t index = 0; index < count; index++) kill(-children[index].pid, SIGKILL);
    _exit(0);
  }
  long pause_ms = 1;
  for (;;) {
    // The commands are still the keeper's children: reap them, so that they count as gone.
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
    find_living_groups(groups, count, alive);
    long long now = now_ms();
    long long next_deadline = -1;
    for (size_t index = 0; index < count; index++) {
      if (groups[index] == 0) continue;
      if (!alive[index]) {
        groups[index] = 0;
      } else if (now >= deadlines[index]) {
        kill(-groups[index], SIGKILL);
        groups[index] = 0;
      } else if (next_deadline < 0 || deadlines[index] < next_deadline) {
        next_deadline = deadlines[index];
      }
    }
    if (next_deadline < 0) break;
    long left = (long)(next_deadline - now);
    long wait_ms = pause_ms < left ? pause_ms : left;
    struct timespec pause = {wait_ms / 1000, (wait_ms % 1000) * 1000000};
    ppoll(NULL, 0, &pause, wait_mask);
    if (pause_ms < 20) pause_ms *= 2;
  }
  // Every group is gone or killed. (An emptied group is not signalled again: its number
  // may already belong to someone else.)
  _exit(0);
}
