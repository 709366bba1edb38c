// The few epoll calls `pipeline`'s output pump (OutputPump.swift) makes, with the packed
// struct epoll_event kept on this side.
#define _GNU_SOURCE
#include "CPipelineSystem.h"

#include <sys/epoll.h>

int pipeline_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int pipeline_epoll_add(int epoll, int fd, uint64_t token) {
  struct epoll_event event = {.events = EPOLLIN, .data.u64 = token};
  return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
}

int pipeline_epoll_remove(int epoll, int fd) {
  struct epoll_event unused = {0};
  return epoll_ctl(epoll, EPOLL_CTL_DEL, fd, &unused);
}

int pipeline_epoll_wait(int epoll, uint64_t *tokens, int capacity) {
  struct epoll_event events[64];
  if (capacity > 64) capacity = 64;
  int count = epoll_wait(epoll, events, capacity, -1);
  for (int index = 0; index < count; index++) tokens[index] = events[index].data.u64;
  return count;
}
