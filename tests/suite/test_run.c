/**
 * @file test_run.c
 * @brief Suite concurrency: how many threads a port releases to run at once.
 *
 * A thread that got a packet from a port runs, counted on it, until it calls
 * GetQueuedCompletionStatusEx again, calls it on another port, waits, or
 * exits.  The threads here that must keep their slot spin: one that slept
 * would be taken to wait (OS-RUN-5), as Windows takes it.  Wine 8.0 ignores
 * the concurrency value, so under Wine each test records that deviation and
 * checks only that every packet is delivered once.  In the model, every
 * release here comes from a transition the model sees, none from a look.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "support.h"

/** How long a test lets a packet wait behind a running thread: five of the
 *  model's looks at the counted threads, where two would release it (OS-RUN-5). */
#define HELD_MS 50

static const char wine_ignores[] =
    "Wine 8.0 ignores the concurrency value: every waiter runs, and a queued packet "
    "goes to a waiting caller at once";

static HANDLE port_for(DWORD concurrency) {
  HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, concurrency);
  CU_ASSERT_PTR_NOT_NULL_FATAL(port);
  return support_track(port);
}

static void post(HANDLE port, uintptr_t key) {
  CU_ASSERT_TRUE(PostQueuedCompletionStatus(port, 0, key, NULL));
}

/* A thread's script: a first call on `port` that waits as long as it must
 * (for `ms` only if `timed`); when the test sets `step` to 1, a second call
 * with timeout 0 on `then` (none if NULL); when it sets 2, the thread exits.
 * Between the steps it spins, or sleeps if `sleeps`. */
struct worker {
  HANDLE port, then;
  int timed, sleeps;
  DWORD ms;
  OVERLAPPED_ENTRY e[2];
  BOOL ok[2];
  DWORD error[2];
  atomic_int done; /* calls returned */
  atomic_int step;
};

static void hold(struct worker *w, int step) {
  while (atomic_load(&w->step) < step)
    if (w->sleeps) support_sleep_ms(1);
}

static void call(struct worker *w, int i, HANDLE port, DWORD ms) {
  ULONG n = 0;
  w->ok[i] = GetQueuedCompletionStatusEx(port, &w->e[i], 1, &n, ms, FALSE);
  w->error[i] = w->ok[i] ? 0 : GetLastError();
  atomic_store(&w->done, i + 1);
}

static void *work(void *arg) {
  struct worker *w = arg;
  call(w, 0, w->port, w->timed ? w->ms : INFINITE);
  hold(w, 1);
  if (w->then != NULL) call(w, 1, w->then, 0);
  hold(w, 2);
  return NULL;
}

/* Starts `w` and returns once `blocked` threads, this one the last, wait. */
static support_thread *start_waiting(struct worker *w, unsigned blocked) {
  support_thread *t = support_thread_start(work, w);
  support_await_blocked(blocked);
  return t;
}

static void await_done(struct worker *w, int calls) {
  for (int ms = 0; atomic_load(&w->done) < calls; ms++) {
    CU_ASSERT_FATAL(ms < 30000);
    support_sleep_ms(1);
  }
}

static void finish(struct worker *w, support_thread *t) {
  atomic_store(&w->step, 2);
  support_thread_join(t);
}

/* A thread that never called on `port` asks it for a packet with timeout 0,
 * then exits; FALSE with the error in *error if none. */
struct probe {
  HANDLE port;
  OVERLAPPED_ENTRY e;
  BOOL ok;
  DWORD error;
};

static void *probe_body(void *arg) {
  struct probe *p = arg;
  ULONG n = 0;
  p->ok = GetQueuedCompletionStatusEx(p->port, &p->e, 1, &n, 0, FALSE);
  p->error = p->ok ? 0 : GetLastError();
  return NULL;
}

static struct probe probe(HANDLE port) {
  struct probe p = {.port = port};
  support_thread_join(support_thread_start(probe_body, &p));
  return p;
}

/** @verifies{OS-RUN-1} */
void test_os_run_1(void) {
  static struct worker a, b, d, e;
  HANDLE port = port_for(1);
  long looks = support_looks_released();
  d = (struct worker){.port = port, .timed = 1, .ms = 0};
  e = (struct worker){.port = port, .timed = 1, .ms = 20};
  support_thread *td = support_thread_start(work, &d), *te = NULL;
  await_done(&d, 1); /* nothing queued: 258, and D runs, counted */
  CU_ASSERT_FALSE(d.ok[0]);
  CU_ASSERT_EQUAL(d.error[0], WAIT_TIMEOUT);
  a = (struct worker){.port = port, .sleeps = 1};
  b = (struct worker){.port = port, .then = port};
  support_thread *ta = start_waiting(&a, 1);
  support_thread *tb = start_waiting(&b, 2); /* A waits first, B last */
  post(port, 1);
  if (support_substrate() == SUBSTRATE_WINE) {
    support_deviation(wine_ignores);
    finish(&d, td);
    post(port, 2);
    await_done(&a, 1);
    await_done(&b, 1);
    CU_ASSERT_EQUAL(a.e[0].lpCompletionKey + b.e[0].lpCompletionKey, 3);
    finish(&a, ta);
    finish(&b, tb);
    return;
  }
  support_sleep_ms(HELD_MS); /* D runs: packet 1 waits for it */
  CU_ASSERT_EQUAL(atomic_load(&a.done) + atomic_load(&b.done), 0);
  te = support_thread_start(work, &e); /* E waits on top of B, times out: 258, and runs */
  await_done(&e, 1);
  CU_ASSERT_FALSE(e.ok[0]);
  CU_ASSERT_EQUAL(e.error[0], WAIT_TIMEOUT);
  finish(&d, td); /* E now holds the one slot */
  support_sleep_ms(HELD_MS);
  CU_ASSERT_EQUAL(atomic_load(&a.done) + atomic_load(&b.done), 0);
  finish(&e, te); /* E's exit frees it: the newest waiter takes packet 1 */
  await_done(&b, 1);
  CU_ASSERT_EQUAL(b.e[0].lpCompletionKey, 1);
  post(port, 2);
  support_sleep_ms(HELD_MS); /* B runs: the packet waits for it */
  CU_ASSERT_EQUAL(atomic_load(&a.done), 0);
  struct probe c = probe(port); /* not counted yet: the limit holds it off too */
  CU_ASSERT_FALSE(c.ok);
  CU_ASSERT_EQUAL(c.error, WAIT_TIMEOUT);
  atomic_store(&b.step, 1); /* B calls again: its own slot first, so the packet at once */
  await_done(&b, 2);
  CU_ASSERT_TRUE(b.ok[1]);
  CU_ASSERT_EQUAL(b.e[1].lpCompletionKey, 2);
  post(port, 3);
  support_sleep_ms(HELD_MS); /* B runs again */
  CU_ASSERT_EQUAL(atomic_load(&a.done), 0);
  finish(&b, tb); /* its exit lets A go */
  await_done(&a, 1);
  CU_ASSERT_TRUE(a.ok[0]);
  CU_ASSERT_EQUAL(a.e[0].lpCompletionKey, 3);
  CU_ASSERT_EQUAL(support_looks_released(), looks);
  finish(&a, ta);
}

/** @verifies{OS-RUN-2} */
void test_os_run_2(void) {
  static struct worker a, b;
  HANDLE p = port_for(1), q = port_for(1);
  long looks = support_looks_released();
  b = (struct worker){.port = p, .then = q};
  a = (struct worker){.port = p, .sleeps = 1};
  post(p, 1);
  support_thread *tb = support_thread_start(work, &b);
  await_done(&b, 1); /* B took packet 1 and runs */
  support_thread *ta = start_waiting(&a, 1);
  post(p, 2);
  if (support_substrate() == SUBSTRATE_WINE) {
    support_deviation(wine_ignores);
  } else {
    support_sleep_ms(HELD_MS);
    CU_ASSERT_EQUAL(atomic_load(&a.done), 0); /* B holds p's one slot */
  }
  atomic_store(&b.step, 1); /* B calls q: its slot on p goes first, to A */
  await_done(&b, 2);
  CU_ASSERT_FALSE(b.ok[1]);
  CU_ASSERT_EQUAL(b.error[1], WAIT_TIMEOUT);
  await_done(&a, 1);
  CU_ASSERT_TRUE(a.ok[0]);
  CU_ASSERT_EQUAL(a.e[0].lpCompletionKey, 2);
  CU_ASSERT_EQUAL(support_looks_released(), looks);
  finish(&a, ta);
  finish(&b, tb);
}

/** @verifies{OS-RUN-3} */
void test_os_run_3(void) {
  unsigned cpus = support_cpus();
  HANDLE port = port_for(0);
  struct worker *w = calloc(cpus, sizeof *w);
  support_thread **t = calloc(cpus, sizeof *t);
  CU_ASSERT_FATAL(w != NULL && t != NULL);
  for (unsigned i = 0; i <= cpus; i++) post(port, i + 1);
  for (unsigned i = 0; i < cpus; i++) { /* each takes a packet and sleeps, counted */
    w[i] = (struct worker){.port = port, .sleeps = 1};
    t[i] = support_thread_start(work, &w[i]);
  }
  for (unsigned i = 0; i < cpus; i++) await_done(&w[i], 1);
  struct probe full = probe(port);
  if (support_substrate() == SUBSTRATE_WINE) {
    support_deviation(wine_ignores);
    CU_ASSERT_TRUE(full.ok);
  } else {
    CU_ASSERT_FALSE(full.ok); /* as many running as processors: the last packet waits */
    CU_ASSERT_EQUAL(full.error, WAIT_TIMEOUT);
    finish(&w[0], t[0]); /* one fewer */
    struct probe one_free = probe(port);
    CU_ASSERT_TRUE(one_free.ok);
    CU_ASSERT_EQUAL(one_free.e.lpCompletionKey, cpus + 1);
  }
  for (unsigned i = support_substrate() == SUBSTRATE_WINE ? 0 : 1; i < cpus; i++)
    finish(&w[i], t[i]);
  free(w);
  free(t);
}

/** The tests of this file: suite "concurrency". */
CU_TestInfo suite_concurrency[] = {
    {"OS-RUN-1: a running thread holds its slot until its next call", test_os_run_1},
    {"OS-RUN-2: a call on another port gives up the slot", test_os_run_2},
    {"OS-RUN-3: a concurrency value of 0 means the processors", test_os_run_3},
    CU_TEST_INFO_NULL};
