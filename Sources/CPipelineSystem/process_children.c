// Who a process's children are, and which session and group a process is in: what the
// keeper and `pipeline` need to find what a command left in process groups of its own.
//
// A command runs in a session of its own (the keeper calls setsid before the exec), and the
// keeper is a child subreaper: a process of that session whose parent has died becomes the
// keeper's child, whatever group it put itself in. So the keeper's children are, besides the
// commands themselves, the roots of everything the commands left behind — found by reading
// /proc/KEEPER/task/TID/children, a line of pids per thread, instead of every process's stat.
#define _GNU_SOURCE
#include "CPipelineSystem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/// Reads the pids listed in `path` (space-separated) into `children` from `*found` on.
static int read_pid_list(const char *path, pid_t *children, int capacity, int *found) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char text[4096];
  size_t length = 0;
  for (;;) {
    ssize_t count = read(fd, text + length, sizeof text - 1 - length);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) break;
    length += (size_t)count;
    if (length == sizeof text - 1) break;  // More children than fit: the caller sees a full list.
  }
  close(fd);
  text[length] = '\0';
  char *cursor = text;
  for (;;) {
    char *end;
    long pid = strtol(cursor, &end, 10);
    if (end == cursor) break;
    if (pid > 0) {
      if (*found < capacity) children[*found] = (pid_t)pid;
      (*found)++;
    }
    cursor = end;
  }
  return 0;
}

int pipeline_children_of(pid_t pid, pid_t *children, int capacity) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
  DIR *tasks = opendir(path);
  if (tasks == NULL) return -1;
  int found = 0, readable = 0;
  struct dirent *entry;
  while ((entry = readdir(tasks)) != NULL) {
    if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
    snprintf(path, sizeof path, "/proc/%d/task/%s/children", (int)pid, entry->d_name);
    if (read_pid_list(path, children, capacity, &found) == 0) readable = 1;
  }
  closedir(tasks);
  if (!readable) {
    errno = ENOENT;  // A kernel without CONFIG_PROC_CHILDREN.
    return -1;
  }
  return found;
}

int pipeline_parse_stat(const char *text, char *state, pid_t *group, pid_t *session) {
  // "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses.
  const char *close_paren = strrchr(text, ')');
  long parent, group_number, session_number;
  char letter;
  if (close_paren == NULL ||
      sscanf(close_paren + 1, " %c %ld %ld %ld", &letter, &parent, &group_number, &session_number) != 4) {
    return -1;
  }
  *state = letter;
  *group = (pid_t)group_number;
  *session = (pid_t)session_number;
  return 0;
}

int pipeline_process_ids(pid_t pid, char *state, pid_t *group, pid_t *session) {
  char path[64], text[512];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t length;
  do length = read(fd, text, sizeof text - 1);
  while (length < 0 && errno == EINTR);
  close(fd);
  if (length <= 0) return -1;
  text[length] = '\0';
  if (pipeline_parse_stat(text, state, group, session) != 0) {
    errno = EINVAL;
    return -1;
  }
  return 0;
}
