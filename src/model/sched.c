/**
 * @file sched.c
 * @brief Threads as Linux's scheduler shows them (sched.h).
 *
 * Windows lets a waiter run when a thread counted on its port enters a wait
 * of any kind.  The model sees the waits it makes itself; for the others it
 * asks Linux, whose view of a thread is one letter in /proc: R runs or is
 * ready to run, S sleeps, D sleeps without signals (proc(5), field 3 of
 * stat), and its time on a processor (the first field of schedstat).
 */
/** glibc declares syscall(), for gettid, only with this. */
#define _DEFAULT_SOURCE
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fault.h"
#include "sched.h"

pid_t mio__thread_id(void) { return (pid_t)syscall(SYS_gettid); }

/* Reads /proc/self/task/TID/<file> into buf, NUL-terminated; 0 if it cannot. */
static int task_read(pid_t tid, const char *file, char *buf, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%ld/%s", (long)tid, file);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  mio__window(IOCP_MODEL_WINDOW_TASK_OPENED); /* the thread may exit here */
  ssize_t n = read(fd, buf, size - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  return 1;
}

int mio__thread_sleeps(pid_t tid, unsigned long long *ran) {
  char text[512];
  *ran = 0;
  if (task_read(tid, "schedstat", text, sizeof text)) sscanf(text, "%llu", ran);
  if (!task_read(tid, "stat", text, sizeof text)) return 0;
  const char *name_end = strrchr(text, ')'); /* the thread's name may hold spaces and ')' */
  if (name_end == NULL || name_end[1] != ' ') return 0;
  return name_end[2] == 'S' || name_end[2] == 'D';
}

/* Read once: glibc's sysconf reads a file in /sys for it, three system calls
 * that a process making 10^6 ports would pay 10^6 times. */
unsigned mio__cpus_online(void) {
  static atomic_uint cpus;
  unsigned n = atomic_load_explicit(&cpus, memory_order_relaxed);
  if (n == 0) {
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    n = online > 0 ? (unsigned)online : 1;
    atomic_store_explicit(&cpus, n, memory_order_relaxed);
  }
  return n;
}
