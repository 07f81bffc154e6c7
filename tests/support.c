/**
 * @file support.c
 * @brief Fixtures, threads and clocks shared by every suite.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "support.h"

#define MAX_TRACKED 64

static HANDLE tracked[MAX_TRACKED];
static int ntracked;

void support_setup(void) {
  ntracked = 0;
  support_fail_allocation(0);
}

void support_teardown(void) {
  support_fail_allocation(0);
  while (ntracked > 0) CloseHandle(tracked[--ntracked]);
}

HANDLE support_track(HANDLE handle) {
  CU_ASSERT_FATAL(ntracked < MAX_TRACKED);
  tracked[ntracked++] = handle;
  return handle;
}

void support_untrack(HANDLE handle) {
  for (int i = 0; i < ntracked; i++) {
    if (tracked[i] == handle) {
      tracked[i] = tracked[--ntracked];
      return;
    }
  }
}

mio_completion_port support_port(uint32_t threads) {
  mio_completion_port port = {NULL};
  CU_ASSERT_EQUAL_FATAL(mio_completion_port_new(threads, &port), 0);
  support_track(port.handle);
  return port;
}

uint32_t support_close(mio_completion_port *port) {
  support_untrack(port->handle);
  return mio_completion_port_close(port);
}

struct support_thread {
  pthread_t id;
};

support_thread *support_thread_start(void *(*fn)(void *), void *arg) {
  support_thread *t = malloc(sizeof *t);
  CU_ASSERT_PTR_NOT_NULL_FATAL(t);
  if (pthread_create(&t->id, NULL, fn, arg) != 0) {
    free(t);
    CU_FAIL_FATAL("pthread_create");
  }
  return t;
}

void *support_thread_join(support_thread *thread) {
  void *result = NULL;
  pthread_join(thread->id, &result);
  free(thread);
  return result;
}

void support_sleep_ms(unsigned ms) {
  struct timespec t = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&t, &t) == -1 && errno == EINTR) {
  }
}

double support_now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}
