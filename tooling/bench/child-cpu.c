// For `pnpm bench` (tooling/bench/run.mjs): runs a command with its stdout on /dev/null and
// prints its CPU time (user + system, from wait4's rusage, to the microsecond) and wall time
// as one JSON object. /usr/bin/time reports the same CPU time in 10 ms steps, too coarse for
// processes that live a few tens of milliseconds.
//
//   gcc -O2 -o child-cpu child-cpu.c
//   ./child-cpu COMMAND [ARG...]
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s COMMAND [ARG...]\n", argv[0]);
    return 2;
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pid_t pid = fork();
  if (pid < 0) {
    perror("child-cpu: fork");
    return 1;
  }
  if (pid == 0) {
    int fd = open("/dev/null", O_WRONLY);
    if (fd >= 0) dup2(fd, 1);
    execvp(argv[1], argv + 1);
    perror("child-cpu: exec");
    _exit(127);
  }
  int status = 0;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) {
    perror("child-cpu: wait4");
    return 1;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
               (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
  double wall = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  printf("{\"cpu\":%.3f,\"wall\":%.3f,\"status\":%d}\n", cpu, wall, code);
  return 0;
}
