/**
 * @file support.c
 * @brief Fixtures, threads and clocks shared by every suite.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

/** Handles one test may leave for tear-down. */
#define MAX_TRACKED 64
/** Notes one run may record. */
#define MAX_NOTES 64
/** How long one test may run before the watchdog ends the run: far above
 *  any test's time, so that only a hang trips it.  60 s was not: IOCP-CP-2,
 *  thousands of packets through Wine, outran it on a 2-core machine running
 *  two full `make test`s and two busy loops. */
#define WATCHDOG_SECONDS 300

static HANDLE tracked[MAX_TRACKED];
static int ntracked;
static long open_at_setup; /* handles open when the test began */

/* The watchdog ends the run if one test outlives WATCHDOG_SECONDS, so that a
 * broken wake-up fails the suite instead of hanging it. */
static struct {
  pthread_mutex_t lock;
  pthread_cond_t change;
  pthread_t thread;
  int started, stop;
  unsigned epoch; /* odd while a test runs */
  char test[64];
} dog = {.lock = PTHREAD_MUTEX_INITIALIZER, .change = PTHREAD_COND_INITIALIZER};

static void *watchdog(void *arg) {
  (void)arg;
  pthread_mutex_lock(&dog.lock);
  while (!dog.stop) {
    unsigned epoch = dog.epoch;
    if (epoch % 2 == 0) {
      pthread_cond_wait(&dog.change, &dog.lock);
      continue;
    }
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline); /* the condvar's clock */
    deadline.tv_sec += WATCHDOG_SECONDS;
    while (!dog.stop && dog.epoch == epoch) {
      if (pthread_cond_timedwait(&dog.change, &dog.lock, &deadline) == ETIMEDOUT &&
          dog.epoch == epoch) {
        fprintf(stderr, "\nwatchdog: test %s still running after %d s; stopping the run\n",
                dog.test, WATCHDOG_SECONDS);
        _exit(3);
      }
    }
  }
  pthread_mutex_unlock(&dog.lock);
  return NULL;
}

static void watchdog_step(const char *test) {
  pthread_mutex_lock(&dog.lock);
  if (!dog.started) {
    dog.started = pthread_create(&dog.thread, NULL, watchdog, NULL) == 0;
  }
  if (test != NULL) snprintf(dog.test, sizeof dog.test, "%s", test);
  dog.epoch++;
  pthread_cond_signal(&dog.change);
  pthread_mutex_unlock(&dog.lock);
}

void support_watchdog_stop(void) {
  pthread_mutex_lock(&dog.lock);
  int started = dog.started;
  dog.stop = 1;
  pthread_cond_signal(&dog.change);
  pthread_mutex_unlock(&dog.lock);
  if (started) pthread_join(dog.thread, NULL);
}

static struct note {
  char test[32];
  const char *kind;
  char text[160];
} notes[MAX_NOTES];
static unsigned nnotes;

static void note(const char *kind, const char *text) {
  CU_pTest test = CU_get_current_test();
  if (nnotes == MAX_NOTES) return;
  struct note *n = &notes[nnotes++];
  const char *name = test != NULL ? test->pName : "?";
  snprintf(n->test, sizeof n->test, "%.*s", (int)strcspn(name, ":"), name); /* the ID */
  n->kind = kind;
  snprintf(n->text, sizeof n->text, "%s", text);
}

void support_deviation(const char *what) { note("deviation", what); }

void support_not_applicable(const char *why) { note("n/a", why); }

unsigned support_write_notes(FILE *out) {
  for (unsigned i = 0; i < nnotes; i++)
    fprintf(out, "%s\t%s\t%s\n", notes[i].test, notes[i].kind, notes[i].text);
  return nnotes;
}

const char *support_substrate_name(void) {
  static const char *const names[] = {"model", "wine", "windows"};
  return names[support_substrate()];
}

void support_setup(void) {
  CU_pTest test = CU_get_current_test();
  watchdog_step(test != NULL ? test->pName : "?");
  ntracked = 0;
  support_disarm_faults();
  open_at_setup = support_open_handles();
}

/* As wepoll's tests do: a test must close what it opened, or hand it to
 * tear-down; a handle left behind fails the test that leaked it. */
void support_teardown(void) {
  support_disarm_faults();
  while (ntracked > 0) CloseHandle(tracked[--ntracked]);
  long open = support_open_handles();
  if (open != open_at_setup) fprintf(stderr, "\nleak check: %ld handles open after the test, %ld before\n",
                                     open, open_at_setup);
  CU_ASSERT_EQUAL(open, open_at_setup);
  watchdog_step(NULL);
  /* Mutation testing wants a verdict, not a report: stop at the first failure,
   * naming the test and the assertions it failed. */
  if (getenv("MIO_TEST_FAIL_FAST") != NULL && CU_get_number_of_failure_records() > 0) {
    for (CU_pFailureRecord f = CU_get_failure_list(); f != NULL; f = f->pNext)
      fprintf(stderr, "FAILED: %s: %s:%u: %s\n", f->pTest != NULL ? f->pTest->pName : "?",
              f->strFileName != NULL ? f->strFileName : "?", f->uiLineNumber,
              f->strCondition != NULL ? f->strCondition : "?");
    fflush(stderr);
    _exit(1);
  }
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

BOOL support_close_handle(HANDLE handle) {
  support_untrack(handle);
  return CloseHandle(handle);
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

DWORD support_associate(const mio_completion_port *port, uintptr_t key, HANDLE handle) {
  return CreateIoCompletionPort(handle, port->handle, key, 0) != NULL ? 0 : GetLastError();
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

void support_close_racing(void *handle) { CU_ASSERT_TRUE(CloseHandle((HANDLE)handle)); }

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
