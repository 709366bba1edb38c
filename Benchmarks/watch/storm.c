// The storm: rewrites every file named in LIST (one path per line) with TEXT and a newline,
// one after another as fast as the system allows, then LAST: what a `git checkout` of a large
// branch does to a tree. In C, so that the storm lasts well under a second, as the issue's
// storm does, instead of the two seconds or more a Python loop takes on a busy machine (longer
// than the debounce's max_wait, which then lets a batch go before the storm is over).
//
// Usage: storm TEXT LIST LAST
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int rewrite(const char *path, const char *text, size_t length) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    perror(path);
    return 1;
  }
  int failed = write(fd, text, length) != (ssize_t)length;
  if (failed) perror(path);
  return close(fd) != 0 || failed;
}

int main(int argc, char *argv[]) {
  if (argc != 4) {
    fprintf(stderr, "usage: storm TEXT LIST LAST\n");
    return 2;
  }
  char text[4096];
  int length = snprintf(text, sizeof text, "%s\n", argv[1]);
  if (length < 0 || (size_t)length >= sizeof text) return 2;
  FILE *list = fopen(argv[2], "r");
  if (list == NULL) {
    perror(argv[2]);
    return 1;
  }
  char path[4096];
  int failures = 0;
  while (fgets(path, sizeof path, list) != NULL) {
    path[strcspn(path, "\n")] = 0;
    if (path[0] != 0) failures += rewrite(path, text, (size_t)length);
  }
  fclose(list);
  failures += rewrite(argv[3], text, (size_t)length);
  return failures == 0 ? 0 : 1;
}
