// The keeper's last job, when `pipeline` is gone however it went: stop every group it
// started the way `pipeline` would have, each with its own stage's signal and grace period,
// then every group that what they left behind leads (the keeper's adopted children).
#define _GNU_SOURCE
#include "CPipelineSystem.h"
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
    char state;
    pid_t group, session;
    if (pipeline_process_ids((pid_t)pid, &state, &group, &session) != 0) continue;
    if (state == 'Z' || state == 'X') continue;
    for (size_t index = 0; index < count; index++) {
      if (alive[index] != 0 && groups[index] == group) alive[index] |= living;
    }
  }
  closedir(proc);
  for (size_t index = 0; index < count; index++) alive[index] = (alive[index] & living) != 0;
}

/// A group being stopped: a command's, or one an adopted child leads.
struct stopping_group {
  pid_t group;
  long long deadline;
  /// Gone, or killed: not signalled again (its number may soon be someone else's), and not
  /// added again while its killed members are on their way out.
  int done;
};

/// The groups being stopped, grown as adopted children turn up.
struct stopping_list {
  struct stopping_group *groups;
  size_t count, capacity;
  char *alive;
};

static int add_group(struct stopping_list *list, pid_t group, int stop_signal, long long deadline) {
  for (size_t index = 0; index < list->count; index++) {
    if (list->groups[index].group == group) return 1;
  }
  if (list->count == list->capacity) {
    size_t capacity = list->capacity * 2 + 8;
    struct stopping_group *grown = realloc(list->groups, capacity * sizeof *grown);
    if (grown == NULL) return 0;
    list->groups = grown;
    char *alive = realloc(list->alive, capacity);
    if (alive == NULL) return 0;
    list->alive = alive;
    list->capacity = capacity;
  }
  list->groups[list->count++] = (struct stopping_group){.group = group, .deadline = deadline, .done = 0};
  kill(-group, stop_signal);
  return 1;
}

/// The groups led by the keeper's adopted children: what the commands left behind in groups or
/// sessions of their own, whose parent has died. Each gets the stop signal and grace period of
/// the command whose session it is in, if that command is still listed; otherwise SIGTERM and
/// two seconds (the default `kill_after`). Returns 0 when out of memory.
static int add_adopted_groups(struct stopping_list *list, const struct keeper_child *children, size_t count) {
  pid_t adopted[256];
  int found = pipeline_children_of(getpid(), adopted, 256);
  if (found > 256) found = 256;  // The rest are found in a later round, once these are gone.
  long long now = now_ms();
  for (int index = 0; index < found; index++) {
    char state;
    pid_t group, session;
    if (pipeline_process_ids(adopted[index], &state, &group, &session) != 0) continue;
    if (state == 'Z' || state == 'X' || group <= 0) continue;
    int stop_signal = SIGTERM;
    long grace_ms = 2000;
    for (size_t child = 0; child < count; child++) {
      if (children[child].pid != session) continue;
      stop_signal = children[child].stop_signal;
      grace_ms = children[child].grace_ms;
    }
    if (!add_group(list, group, stop_signal, now + grace_ms)) return 0;
  }
  return 1;
}

void keeper_stop_all(const struct keeper_child *children, size_t count, const sigset_t *wait_mask) {
  struct stopping_list list = {0};
  long long start = now_ms();
  int enough_memory = 1;
  for (size_t index = 0; index < count && enough_memory; index++) {
    enough_memory = add_group(&list, children[index].pid, children[index].stop_signal, start + children[index].grace_ms);
  }
  if (enough_memory) enough_memory = add_adopted_groups(&list, children, count);
  if (!enough_memory) {
    // No memory to wait with: the strict way out.
    for (size_t index = 0; index < count; index++) kill(-children[index].pid, SIGKILL);
    _exit(0);
  }
  pid_t *groups = NULL;
  long pause_ms = 1;
  for (;;) {
    // The commands and adopted processes are the keeper's children: reap them, so that they
    // count as gone. Then look for new adopted children: a stopped process's children in
    // groups of their own become the keeper's now.
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
    pid_t *grown = NULL;
    if (add_adopted_groups(&list, children, count)) grown = realloc(groups, (list.count + 1) * sizeof(pid_t));
    if (grown == NULL) {
      // No memory to wait with: the strict way out, for every group not done yet.
      for (size_t index = 0; index < list.count; index++) {
        if (!list.groups[index].done) kill(-list.groups[index].group, SIGKILL);
      }
      break;
    }
    groups = grown;
    for (size_t index = 0; index < list.count; index++) {
      groups[index] = list.groups[index].done ? 0 : list.groups[index].group;
    }
    find_living_groups(groups, list.count, list.alive);
    long long now = now_ms();
    long long next_deadline = -1;
    for (size_t index = 0; index < list.count; index++) {
      struct stopping_group *entry = &list.groups[index];
      if (entry->done) continue;
      if (!list.alive[index]) {
        entry->done = 1;
      } else if (now >= entry->deadline) {
        kill(-entry->group, SIGKILL);
        entry->done = 1;
      } else if (next_deadline < 0 || entry->deadline < next_deadline) {
        next_deadline = entry->deadline;
      }
    }
    if (next_deadline < 0) {
      // Every group is gone or killed; a killed group's members may still be on their way
      // out, and their children in groups of their own not yet adopted: look again shortly,
      // unless nothing at all is left to adopt.
      pid_t any[1];
      if (pipeline_children_of(getpid(), any, 1) <= 0 || now - start > 15000) break;
      next_deadline = now + 5;
    }
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
