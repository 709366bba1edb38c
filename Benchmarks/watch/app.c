// The app every watcher restarts in the benchmark: the same program for every tool, so only
// the watchers differ. At start it appends one line to LOG:
//
//   start PID MONOTONIC_NS OVERLAP CONTENT
//
// MONOTONIC_NS is CLOCK_MONOTONIC (the clock Python's time.monotonic_ns reads), OVERLAP is 1
// when another instance still held LOCK (two instances alive at once), CONTENT the first line
// of CONTENT_FILE (what the "build" copied). Then it sleeps until a signal ends it.
//
// Usage: app LOG LOCK CONTENT_FILE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char *argv[]) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (argc != 4) {
    fprintf(stderr, "usage: app LOG LOCK CONTENT_FILE\n");
    return 2;
  }
  // The lock is released by the kernel when the holder dies, however it dies, so a failed
  // non-blocking attempt means a previous instance is still alive.
  int lock = open(argv[2], O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  int overlap = 0;
  if (lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
    overlap = 1;
  }
  char content[128] = "";
  int fd = open(argv[3], O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t n = read(fd, content, sizeof content - 1);
    content[n > 0 ? n : 0] = 0;
    close(fd);
  }
  content[strcspn(content, "\r\n")] = 0;
  char line[256];
  int length = snprintf(line, sizeof line, "start %d %lld %d %s\n", (int)getpid(),
                        (long long)now.tv_sec * 1000000000LL + now.tv_nsec, overlap,
                        content[0] ? content : "-");
  int log = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (log >= 0) {
    (void)write(log, line, (size_t)length);  // one write to an O_APPEND file: lines never mix
    close(log);
  }
  if (overlap && lock >= 0) {
    flock(lock, LOCK_EX);  // hold the lock from now on, once the other instance is gone
  }
  for (;;) pause();
}
