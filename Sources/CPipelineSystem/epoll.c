// The epoll, eventfd and timerfd calls of the engine's thread (EngineExecutor.swift) and
// of the output pump (OutputPump.swift), with the packed struct epoll_event kept on this side.
#define _GNU_SOURCE
#include "CPipelineSystem.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

int pipeline_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int pipeline_epoll_add(int epoll, int fd, uint64_t token) {
  struct epoll_event event = {.events = EPOLLIN, .data.u64 = token};
  return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
}

int pipeline_epoll_remove(int epoll, int fd) {
  struct epoll_event unused = {0};
  return epoll_ctl(epoll, EPOLL_CTL_DEL, fd, &unused);
}

int pipeline_epoll_wait_for(int epoll, uint64_t *tokens, int capacity, int timeout_ms) {
  struct epoll_event events[64];
  if (capacity > 64) capacity = 64;
  int count = epoll_wait(epoll, events, capacity, timeout_ms);
  for (int index = 0; index < count; index++) tokens[index] = events[index].data.u64;
  return count;
}

int pipeline_eventfd_create(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

void pipeline_eventfd_signal(int fd) {
  uint64_t one = 1;
  while (write(fd, &one, sizeof one) < 0 && errno == EINTR) {}
}

void pipeline_eventfd_clear(int fd) {
  uint64_t count;
  while (read(fd, &count, sizeof count) < 0 && errno == EINTR) {}
}

int pipeline_timerfd_create(void) { return timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK); }

int pipeline_timerfd_set(int fd, uint64_t deadline_ns) {
  struct itimerspec when = {0};
  if (deadline_ns != 0) {
    when.it_value.tv_sec = (time_t)(deadline_ns / 1000000000u);
    when.it_value.tv_nsec = (long)(deadline_ns % 1000000000u);
  }
  return timerfd_settime(fd, TFD_TIMER_ABSTIME, &when, NULL);
}

void pipeline_timerfd_clear(int fd) {
  uint64_t expirations;
  while (read(fd, &expirations, sizeof expirations) < 0 && errno == EINTR) {}
}
