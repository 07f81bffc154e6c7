/**
 * @file test_os.c
 * @brief Suite os_layer: the Win32 contract of spec/os.md, called directly.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "support.h"

/** A handle value no object has. */
#define BOGUS ((HANDLE)(uintptr_t)0xdead0)

static HANDLE new_port(void) {
  HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(port);
  return support_track(port);
}

/** @verifies{OS-ASSOC-1} */
void test_os_assoc_1(void) {
  HANDLE port = new_port(), file = support_file(1);
  CU_ASSERT_PTR_EQUAL(CreateIoCompletionPort(file, port, 0x5E, 0), port);
}

/** @verifies{OS-ASSOC-2} */
void test_os_assoc_2(void) {
  HANDLE a, b, plain = support_file(0);
  support_pipe_pair(&a, &b);
  HANDLE port = CreateIoCompletionPort(a, NULL, 0x5E, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(port);
  support_track(port);
  CU_ASSERT_PTR_NOT_EQUAL(port, a);
  /* Associated: the file's I/O completes onto the new port, under the key. */
  static OVERLAPPED r, w;
  static char buf[4];
  CU_ASSERT_TRUE(WriteFile(b, "as2", 3, NULL, &w) || GetLastError() == ERROR_IO_PENDING);
  CU_ASSERT_TRUE(ReadFile(a, buf, sizeof buf, NULL, &r) || GetLastError() == ERROR_IO_PENDING);
  OVERLAPPED_ENTRY e;
  ULONG n = 0;
  CU_ASSERT_TRUE_FATAL(GetQueuedCompletionStatusEx(port, &e, 1, &n, 1000, FALSE));
  CU_ASSERT_EQUAL(n, 1);
  CU_ASSERT_EQUAL(e.lpCompletionKey, 0x5E);
  CU_ASSERT_PTR_EQUAL(e.lpOverlapped, &r);
  CU_ASSERT_EQUAL(e.dwNumberOfBytesTransferred, 3);
  /* The association fails: NULL, and the port made for it is closed again. */
  long open = support_open_handles();
  CU_ASSERT_PTR_NULL(CreateIoCompletionPort(plain, NULL, 0x5E, 0));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_PARAMETER);
  CU_ASSERT_EQUAL(support_open_handles(), open); /* -1 on Win32, which cannot tell */
}

/** @verifies{OS-ASSOC-3} */
void test_os_assoc_3(void) {
  HANDLE port = new_port(), file = support_file(1);
  CU_ASSERT_PTR_NULL(CreateIoCompletionPort(file, BOGUS, 1, 0));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
  CU_ASSERT_PTR_EQUAL(CreateIoCompletionPort(file, port, 1, 0), port);
}

/** @verifies{OS-GET-1} */
void test_os_get_1(void) {
  HANDLE port = new_port();
  OVERLAPPED_ENTRY e[2];
  ULONG n = 77;
  CU_ASSERT_TRUE_FATAL(PostQueuedCompletionStatus(port, 1, 2, NULL));
  e[0].lpCompletionKey = 0xCC;
  BOOL zero = GetQueuedCompletionStatusEx(port, e, 0, &n, 0, FALSE);
  if (support_substrate() == SUBSTRATE_WINE) {
    CU_ASSERT_TRUE(zero);
    CU_ASSERT_EQUAL(n, 1);
    support_deviation("Wine 8.0 accepts a count of 0: TRUE, removed 1, no entry written "
                      "(the spec, the model's choice: 87, removed unwritten)");
  } else {
    CU_ASSERT_FALSE(zero);
    CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_PARAMETER);
    CU_ASSERT_EQUAL(n, 77);
  }
  CU_ASSERT_EQUAL(e[0].lpCompletionKey, 0xCC); /* nothing written, nothing taken */
  /* Any count from 1 up: 1 takes one packet, a huge one the rest. */
  CU_ASSERT_TRUE_FATAL(PostQueuedCompletionStatus(port, 1, 3, NULL));
  CU_ASSERT_TRUE_FATAL(PostQueuedCompletionStatus(port, 1, 4, NULL));
  CU_ASSERT_TRUE(GetQueuedCompletionStatusEx(port, e, 1, &n, 0, FALSE));
  CU_ASSERT_EQUAL(n, 1);
  CU_ASSERT_EQUAL(e[0].lpCompletionKey, 2); /* the packet a count of 0 did not take */
  OVERLAPPED_ENTRY rest[2];
  CU_ASSERT_TRUE(GetQueuedCompletionStatusEx(port, rest, 0x8000000u, &n, 0, FALSE));
  CU_ASSERT_EQUAL(n, 2);
  CU_ASSERT_EQUAL(rest[0].lpCompletionKey, 3);
  CU_ASSERT_EQUAL(rest[1].lpCompletionKey, 4);
}

/** @verifies{OS-GET-2} */
void test_os_get_2(void) {
  HANDLE port = new_port();
  OVERLAPPED_ENTRY e;
  ULONG n = 77;
  CU_ASSERT_FALSE(GetQueuedCompletionStatusEx(port, &e, 1, &n, 10, FALSE));
  CU_ASSERT_EQUAL(GetLastError(), WAIT_TIMEOUT);
  CU_ASSERT_EQUAL(n, 1);
  n = 77;
  CU_ASSERT_FALSE(GetQueuedCompletionStatusEx(port, &e, 1, &n, 0, FALSE));
  CU_ASSERT_EQUAL(GetLastError(), WAIT_TIMEOUT);
  CU_ASSERT_EQUAL(n, 1);
}

/** @verifies{OS-GET-3} */
void test_os_get_3(void) {
  OVERLAPPED_ENTRY e;
  ULONG n = 77;
  CU_ASSERT_FALSE(GetQueuedCompletionStatusEx(BOGUS, &e, 1, &n, 0, FALSE));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
  if (support_substrate() == SUBSTRATE_WINE) {
    CU_ASSERT_EQUAL(n, 1);
    support_deviation("Wine 8.0 writes 1 to the removed count for a bad handle "
                      "(the spec, the model's choice: unwritten)");
  } else {
    CU_ASSERT_EQUAL(n, 77);
  }
}

/** @verifies{OS-GET-4} */
void test_os_get_4(void) {
  HANDLE port = new_port();
  OVERLAPPED_ENTRY e;
  ULONG n = 0;
  CU_ASSERT_TRUE_FATAL(PostQueuedCompletionStatus(port, 1, 2, NULL));
  CU_ASSERT_FALSE(GetQueuedCompletionStatusEx(port, NULL, 1, &n, 0, FALSE));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_NOACCESS);
  CU_ASSERT_FALSE(GetQueuedCompletionStatusEx(port, &e, 1, NULL, 0, FALSE));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_NOACCESS);
  BOOL still_queued = GetQueuedCompletionStatusEx(port, &e, 1, &n, 0, FALSE);
  if (support_substrate() == SUBSTRATE_WINE) {
    CU_ASSERT_FALSE(still_queued);
    support_deviation("Wine 8.0 dequeues the packet before it fails with 998, so the packet "
                      "is lost (the model dequeues nothing)");
  } else {
    CU_ASSERT_TRUE(still_queued);
  }
}

struct waiter {
  HANDLE port;
  ULONG count;
  OVERLAPPED_ENTRY e[4];
  ULONG n;
  BOOL ok;
  atomic_int started, finished;
};

static void *wait_for_packets(void *arg) {
  struct waiter *w = arg;
  atomic_store(&w->started, 1);
  w->ok = GetQueuedCompletionStatusEx(w->port, w->e, w->count, &w->n, INFINITE, FALSE);
  atomic_store(&w->finished, 1);
  return NULL;
}

/* Starts a waiter and returns once `blocked` threads, this one the last,
 * wait on the port.  The pause where threads cannot be counted (Win32) then starts
 * when the thread is a call away from blocking, not when it is created. */
static support_thread *start_blocked(struct waiter *w, unsigned blocked) {
  support_thread *t = support_thread_start(wait_for_packets, w);
  for (int ms = 0; !atomic_load(&w->started); ms++) {
    CU_ASSERT_FATAL(ms < 30000);
    support_sleep_ms(1);
  }
  support_await_blocked(blocked);
  return t;
}

/* Returns once `n` of the two waiters have finished. */
static void await_finished(struct waiter *a, struct waiter *b, int n) {
  for (int ms = 0; atomic_load(&a->finished) + atomic_load(&b->finished) < n; ms++) {
    CU_ASSERT_FATAL(ms < 30000);
    support_sleep_ms(1);
  }
}

/** @verifies{OS-GET-5} */
void test_os_get_5(void) {
  /* Whether the packets posted after the wake-up reach the woken caller in
   * the same call depends on scheduling, so it is asked of many rounds. */
  static struct waiter w;
  HANDLE port = new_port();
  int rounds_with_more = 0;
  for (int round = 0; round < 40; round++) {
    w = (struct waiter){.port = port, .count = 4};
    support_thread *t = support_thread_start(wait_for_packets, &w);
    support_sleep_ms(5); /* let it block */
    for (uintptr_t k = 1; k <= 3; k++) CU_ASSERT_TRUE(PostQueuedCompletionStatus(port, 0, k, NULL));
    support_thread_join(t);
    CU_ASSERT_TRUE_FATAL(w.ok);
    CU_ASSERT_FATAL(w.n >= 1 && w.n <= 3);
    uintptr_t next = 1;
    for (ULONG i = 0; i < w.n; i++) CU_ASSERT_EQUAL(w.e[i].lpCompletionKey, next++);
    rounds_with_more += w.n > 1;
    OVERLAPPED_ENTRY rest[4];
    ULONG m = 0;
    if (next <= 3) {
      CU_ASSERT_TRUE_FATAL(GetQueuedCompletionStatusEx(port, rest, 4, &m, 0, FALSE));
      for (ULONG i = 0; i < m; i++) CU_ASSERT_EQUAL(rest[i].lpCompletionKey, next++);
    }
    CU_ASSERT_EQUAL(next, 4);
  }
  CU_ASSERT(rounds_with_more > 0); /* "in the same call" happened */
}

/** @verifies{OS-WAIT-1} */
void test_os_wait_1(void) {
  static struct waiter x, y;
  HANDLE port = new_port();
  x = (struct waiter){.port = port, .count = 1};
  y = (struct waiter){.port = port, .count = 1};
  support_thread *tx = start_blocked(&x, 1);
  support_thread *ty = start_blocked(&y, 2); /* x blocked first, y last */
  CU_ASSERT_TRUE(PostQueuedCompletionStatus(port, 0, 3, NULL));
  await_finished(&x, &y, 1); /* the released caller took it: the next is the other's */
  CU_ASSERT_TRUE(PostQueuedCompletionStatus(port, 0, 4, NULL));
  support_thread_join(tx);
  support_thread_join(ty);
  uintptr_t first = 3, second = 4; /* y blocked last: y first */
  if (support_substrate() == SUBSTRATE_WINE) {
    first = 4, second = 3;
    support_deviation("Wine 8.0 releases blocked callers first-in first-out (Windows: LIFO)");
  }
  CU_ASSERT_EQUAL(y.e[0].lpCompletionKey, first);
  CU_ASSERT_EQUAL(x.e[0].lpCompletionKey, second);
}

/** @verifies{OS-WAIT-2} */
void test_os_wait_2(void) {
  static struct waiter a, b;
  HANDLE port = new_port();
  a = (struct waiter){.port = port, .count = 1};
  b = (struct waiter){.port = port, .count = 1};
  support_thread *ta = start_blocked(&a, 1);
  support_thread *tb = start_blocked(&b, 2);
  CU_ASSERT_TRUE(PostQueuedCompletionStatus(port, 0, 1, NULL));
  await_finished(&a, &b, 1);
  support_sleep_ms(100); /* time for a wrong second wake-up to show; none may */
  CU_ASSERT_EQUAL(atomic_load(&a.finished) + atomic_load(&b.finished), 1);
  /* The second packet is an I/O completion, under key 2: it wakes the other caller too. */
  static OVERLAPPED r;
  static char buf[4];
  HANDLE end, other;
  support_pipe_pair(&end, &other);
  CU_ASSERT_PTR_EQUAL_FATAL(CreateIoCompletionPort(end, port, 2, 0), port);
  CU_ASSERT_FALSE(ReadFile(end, buf, sizeof buf, NULL, &r));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_IO_PENDING);
  DWORD written = 0;
  static OVERLAPPED w;
  CU_ASSERT_TRUE(WriteFile(other, "x", 1, &written, &w) || GetLastError() == ERROR_IO_PENDING);
  support_thread_join(ta);
  support_thread_join(tb);
  CU_ASSERT_EQUAL(a.e[0].lpCompletionKey + b.e[0].lpCompletionKey, 3);
}

/** @verifies{OS-CLOSE-1} */
void test_os_close_1(void) {
  long discarded = support_packets_discarded();
  HANDLE port = new_port();
  for (uintptr_t k = 0; k < 1000; k++) CU_ASSERT_TRUE(PostQueuedCompletionStatus(port, 0, k, NULL));
  /* A read pending on a file associated with the port completes after the close. */
  HANDLE a, b;
  support_pipe_pair(&a, &b);
  CU_ASSERT_PTR_EQUAL(CreateIoCompletionPort(a, port, 1, 0), port);
  static OVERLAPPED ov;
  static char buf[4];
  CU_ASSERT_FALSE(ReadFile(a, buf, sizeof buf, NULL, &ov));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_IO_PENDING);
  support_untrack(port);
  CU_ASSERT_TRUE(CloseHandle(port));
  DWORD written = 0;
  CU_ASSERT_TRUE(WriteFile(b, "x", 1, &written, NULL));
  if (discarded >= 0) /* the model counts what it drops: all 1000, and the late one */
    CU_ASSERT_EQUAL(support_packets_discarded() - discarded, 1001);
  OVERLAPPED_ENTRY e;
  ULONG n = 0;
  CU_ASSERT_FALSE(GetQueuedCompletionStatusEx(port, &e, 1, &n, 0, FALSE));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
  CU_ASSERT_FALSE(PostQueuedCompletionStatus(port, 0, 0, NULL));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
  /* A packet already handed to a waiter is not taken back: closed between
   * the hand-off and the waiter's return, the port still gives it to the
   * waiter (the model only: the window is its own). */
  static struct waiter w;
  HANDLE other = new_port();
  if (support_on_window(SUPPORT_WINDOW_WOKEN, support_close_racing, other)) {
    support_untrack(other);
    w = (struct waiter){.port = other, .count = 4};
    support_thread *t = start_blocked(&w, 1);
    CU_ASSERT_TRUE(PostQueuedCompletionStatus(other, 5, 9, NULL));
    support_thread_join(t);
    CU_ASSERT_TRUE(w.ok);
    CU_ASSERT_EQUAL(w.n, 1);
    CU_ASSERT_EQUAL(w.e[0].lpCompletionKey, 9);
    CU_ASSERT_EQUAL(w.e[0].dwNumberOfBytesTransferred, 5);
    CU_ASSERT_FALSE(PostQueuedCompletionStatus(other, 0, 0, NULL)); /* and it is closed */
    CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
  }
}

/** @verifies{OS-HANDLE-1} */
void test_os_handle_1(void) {
  HANDLE port = new_port();
  support_untrack(port);
  CU_ASSERT_TRUE(CloseHandle(port));
  CU_ASSERT_FALSE(CloseHandle(port));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
  CU_ASSERT_FALSE(CloseHandle(BOGUS));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
  CU_ASSERT_FALSE(CloseHandle(NULL));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
}

/* The other side of a race: the handle closed, and a new port made in the
 * same memory, between a call's lookup of the handle and its lock. */
struct reopen {
  HANDLE old, fresh;
};

static void close_and_reopen(void *arg) {
  struct reopen *r = arg;
  CU_ASSERT_TRUE(CloseHandle(r->old));
  r->fresh = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
}

/* Armed at a call's first lookup: the next lookup, the one after a getter's
 * yield (docs/model.md) or after it let go of its previous port, closes and
 * reopens. */
static void close_after_yield(void *arg) {
  CU_ASSERT_TRUE(support_on_window(SUPPORT_WINDOW_PORT_LOOKUP, close_and_reopen, arg));
}

/* Arms close_after_yield for r->old and calls get on it with `ms`: the call
 * fails with 6, and r->fresh, made meanwhile, is tracked. */
static void get_closed_at_second_lookup(struct reopen *r, DWORD ms) {
  OVERLAPPED_ENTRY e;
  ULONG n;
  CU_ASSERT_FATAL(support_on_window(SUPPORT_WINDOW_PORT_LOOKUP, close_after_yield, r));
  SetLastError(0);
  CU_ASSERT_FALSE(GetQueuedCompletionStatusEx(r->old, &e, 1, &n, ms, FALSE));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
  CU_ASSERT_PTR_NOT_NULL_FATAL(r->fresh);
  support_track(r->fresh);
}

struct post_try {
  HANDLE port;
  atomic_int done;
};

static void *post_once(void *arg) {
  struct post_try *p = arg;
  CU_ASSERT_TRUE(PostQueuedCompletionStatus(p->port, 0, 0, NULL));
  atomic_store(&p->done, 1);
  return NULL;
}

/** @verifies{OS-HANDLE-2} */
void test_os_handle_2(void) {
  if (support_substrate() != SUBSTRATE_MODEL) {
    support_not_applicable("Windows and Wine may give a new object a closed handle's value, "
                           "so a stale handle is not detectable there");
    return;
  }
  HANDLE old = new_port();
  support_untrack(old);
  CU_ASSERT_TRUE(CloseHandle(old));
  /* The value the slot's next object will have names nothing until then. */
  HANDLE next = (HANDLE)((uintptr_t)old + ((uintptr_t)1 << 26));
  CU_ASSERT_FALSE(PostQueuedCompletionStatus(next, 0, 0, NULL));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
  HANDLE fresh = new_port(); /* takes the freed slot */
  CU_ASSERT_PTR_EQUAL(fresh, next); /* the model's numbering: slot, then generation */
  CU_ASSERT_PTR_NOT_EQUAL(fresh, old);
  CU_ASSERT_FALSE(PostQueuedCompletionStatus(old, 0, 0, NULL));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
  CU_ASSERT_FALSE(CloseHandle(old)); /* closes nothing: fresh is checked open below */
  CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
  OVERLAPPED_ENTRY e;
  ULONG n = 0;
  CU_ASSERT_FALSE(GetQueuedCompletionStatusEx(fresh, &e, 1, &n, 0, FALSE));
  CU_ASSERT_EQUAL(GetLastError(), WAIT_TIMEOUT); /* nothing reached it */
  /* Values never issued: a slot past the table's end, a generation wider
   * than the 30 bits a slot counts (its lowest such bit, which would wrap
   * to fresh's own generation, and higher ones), and a value that is not a
   * multiple of 4. */
  const uintptr_t forged[] = {(uintptr_t)0xFFFFFCu, (uintptr_t)fresh + ((uintptr_t)1 << 56),
                              (uintptr_t)fresh | ((uintptr_t)1 << 58),
                              (uintptr_t)fresh | ((uintptr_t)1 << 60), (uintptr_t)fresh | 2u};
  for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
    CU_ASSERT_FALSE(PostQueuedCompletionStatus((HANDLE)forged[i], 0, 0, NULL));
    CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
    CU_ASSERT_FALSE(CloseHandle((HANDLE)forged[i]));
    CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
  }
  CU_ASSERT_FALSE(GetQueuedCompletionStatusEx(fresh, &e, 1, &n, 0, FALSE));
  CU_ASSERT_EQUAL(GetLastError(), WAIT_TIMEOUT); /* still open, still empty */
  /* Closed, and a new port made in its memory, between the lookup and the
   * lock: the late call still fails with 6, reaches nothing, and leaves the
   * new port's lock free (a second thread posts to it within 10 s). */
  static struct reopen r;
  r = (struct reopen){.old = new_port()};
  support_untrack(r.old);
  CU_ASSERT_FATAL(support_on_window(SUPPORT_WINDOW_PORT_LOOKUP, close_and_reopen, &r));
  SetLastError(0);
  CU_ASSERT_FALSE(PostQueuedCompletionStatus(r.old, 0, 0, NULL));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
  CU_ASSERT_PTR_NOT_NULL_FATAL(r.fresh);
  static struct post_try p;
  p = (struct post_try){.port = r.fresh};
  support_thread *t = support_thread_start(post_once, &p);
  for (int ms = 0; !atomic_load(&p.done); ms++) {
    CU_ASSERT_FATAL(ms < 10000); /* left open, its lock held: nothing can close it */
    support_sleep_ms(1);
  }
  support_thread_join(t);
  support_track(r.fresh);
  CU_ASSERT_TRUE(GetQueuedCompletionStatusEx(r.fresh, &e, 1, &n, 0, FALSE));
  CU_ASSERT_EQUAL(n, 1); /* the post above, and nothing from the late call */
  CU_ASSERT_FALSE(GetQueuedCompletionStatusEx(r.fresh, &e, 1, &n, 0, FALSE));
  CU_ASSERT_EQUAL(GetLastError(), WAIT_TIMEOUT);
  /* The same while a getter that would block yields before its call begins:
   * it fails with 6 at once, and waits on neither port. */
  static struct reopen y;
  y = (struct reopen){.old = new_port()};
  support_untrack(y.old);
  CU_ASSERT_FALSE(GetQueuedCompletionStatusEx(y.old, &e, 1, &n, 0, FALSE)); /* now this
      thread's port: the blocking call below looks it up once, and again after the yield */
  get_closed_at_second_lookup(&y, 2000);
  CU_ASSERT_FALSE(GetQueuedCompletionStatusEx(y.fresh, &e, 1, &n, 0, FALSE));
  CU_ASSERT_EQUAL(GetLastError(), WAIT_TIMEOUT);
  /* The same at a getter's second lookup, the one after it let go of the port
   * it called before (OS-RUN-2): it fails with 6, and holds on to neither. */
  static struct reopen z;
  HANDLE before = new_port();
  z = (struct reopen){.old = new_port()};
  support_untrack(z.old);
  CU_ASSERT_FALSE(GetQueuedCompletionStatusEx(before, &e, 1, &n, 0, FALSE)); /* this thread's */
  get_closed_at_second_lookup(&z, 0);
  CU_ASSERT_TRUE(PostQueuedCompletionStatus(before, 0, 9, NULL));
  CU_ASSERT_TRUE(GetQueuedCompletionStatusEx(before, &e, 1, &n, 0, FALSE)); /* joins it anew */
  CU_ASSERT_EQUAL(e.lpCompletionKey, 9);
  CU_ASSERT_FALSE(GetQueuedCompletionStatusEx(z.fresh, &e, 1, &n, 0, FALSE)); /* leaves it */
  CU_ASSERT_EQUAL(GetLastError(), WAIT_TIMEOUT);
  /* With every slot in use, the slot just past the last one, whose part of
   * the table does not exist yet. */
  long room = support_table_slots() - support_open_handles();
  HANDLE *filler = calloc((size_t)room, sizeof *filler);
  CU_ASSERT_PTR_NOT_NULL_FATAL(filler);
  long filled = 0;
  while (filled < room && (filler[filled] = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0)))
    filled++;
  CU_ASSERT_EQUAL(support_open_handles(), support_table_slots());
  HANDLE past = (HANDLE)(((uintptr_t)support_table_slots() + 1) << 2);
  CU_ASSERT_FALSE(PostQueuedCompletionStatus(past, 0, 0, NULL));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
  CU_ASSERT_FALSE(CloseHandle(past));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
  for (long i = 0; i < filled; i++) CU_ASSERT_TRUE(CloseHandle(filler[i]));
  free(filler);
}

/** @verifies{OS-HANDLE-3} */
void test_os_handle_3(void) {
  HANDLE file = support_file(1);
  OVERLAPPED_ENTRY e;
  ULONG n = 0;
  CU_ASSERT_FALSE(PostQueuedCompletionStatus(file, 0, 0, NULL));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
  CU_ASSERT_FALSE(GetQueuedCompletionStatusEx(file, &e, 1, &n, 0, FALSE));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
}

/** The tests of this file: suite "os_layer". */
CU_TestInfo suite_os_layer[] = {
    {"OS-ASSOC-1: association returns the existing port", test_os_assoc_1},
    {"OS-ASSOC-2: a port made for a file is closed if association fails", test_os_assoc_2},
    {"OS-ASSOC-3: a bad port leaves the file free", test_os_assoc_3},
    {"OS-GET-1: a count of 0 gives 87", test_os_get_1},
    {"OS-GET-2: a timeout gives 258 and a count of 1", test_os_get_2},
    {"OS-GET-3: a bad port gives 6, the count unwritten", test_os_get_3},
    {"OS-GET-4: NULL arrays give 998", test_os_get_4},
    {"OS-GET-5: a woken caller also takes packets queued since", test_os_get_5},
    {"OS-WAIT-1: the caller that blocked last is released first", test_os_wait_1},
    {"OS-WAIT-2: one packet wakes one caller", test_os_wait_2},
    {"OS-CLOSE-1: closing discards packets; later calls give 6", test_os_close_1},
    {"OS-HANDLE-1: closing a bad handle gives 6", test_os_handle_1},
    {"OS-HANDLE-2: a stale handle gives 6 after its slot is reused", test_os_handle_2},
    {"OS-HANDLE-3: a file where a port is needed gives 6", test_os_handle_3},
    CU_TEST_INFO_NULL};
