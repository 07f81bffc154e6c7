/**
 * @file fault.c
 * @brief The model's fault injection and race windows for tests, its allocator,
 *        its count of blocked threads, and its abort on a broken invariant.
 *
 * Windows takes ports and packets from the kernel pool and fails with
 * ERROR_NO_SYSTEM_RESOURCES when the pool is exhausted; the model also needs
 * descriptors and a thread for file handles.  Tests reach each of those
 * failure paths by arming a countdown per kind of fault; in a process that
 * never armed one, a check costs one relaxed load.  While a kind is armed,
 * every place that makes an attempt of it is recorded, so a test that fails
 * every site in turn can tell how many it reached.
 */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"

/** Distinct sites the record can hold; more than the model has. */
#define MAX_SITES 64

static atomic_uint countdown[IOCP_MODEL_FAULT_KINDS]; /* 0: disarmed; n: the n-th attempt fails */
atomic_uint mio__armed; /**< Nonzero once a test has armed a fault or a window. */

static struct {
  pthread_mutex_t lock;
  const char *site[MAX_SITES];
  unsigned sites, injected;
} reached = {.lock = PTHREAD_MUTEX_INITIALIZER};

void mio__fault_arm(iocp_model_fault fault, unsigned nth) {
  assert((unsigned)fault < IOCP_MODEL_FAULT_KINDS);
  if (nth != 0) atomic_store_explicit(&mio__armed, 1, memory_order_relaxed);
  atomic_store_explicit(&countdown[fault], nth, memory_order_relaxed);
}

/* Notes an attempt made while armed, its site if given, and whether it was made to fail. */
static void record(const char *site, int failed) {
  pthread_mutex_lock(&reached.lock);
  unsigned i = 0;
  while (site != NULL && i < reached.sites && strcmp(reached.site[i], site) != 0) i++;
  if (site != NULL && i == reached.sites && i < MAX_SITES) reached.site[reached.sites++] = site;
  reached.injected += (unsigned)failed;
  pthread_mutex_unlock(&reached.lock);
}

/* Counts one attempt against one countdown; 1 if it is the armed one.
 * Sites are recorded for the countdown of IOCP_MODEL_FAULT_RESOURCE only. */
static int count_down(iocp_model_fault kind, const char *site) {
  atomic_uint *c = &countdown[kind];
  unsigned n = atomic_load_explicit(c, memory_order_relaxed);
  while (n != 0) {
    if (atomic_compare_exchange_weak_explicit(c, &n, n - 1, memory_order_relaxed,
                                              memory_order_relaxed)) {
      record(kind == IOCP_MODEL_FAULT_RESOURCE ? site : NULL, n == 1);
      return n == 1;
    }
  }
  return 0;
}

/* Every attempt to get memory, a descriptor or a thread passes here first,
 * and each caller undoes what it did before reporting the failure; the site
 * is recorded while IOCP_MODEL_FAULT_RESOURCE is armed (OS-FAULT-1). */
int mio__fault_at(iocp_model_fault fault, const char *site) {
  assert((unsigned)fault < IOCP_MODEL_FAULT_RESOURCE);
  if (!atomic_load_explicit(&mio__armed, memory_order_relaxed)) return 0;
  int fail = count_down(fault, site);
  if (fault != IOCP_MODEL_FAULT_OVERCOUNT) fail |= count_down(IOCP_MODEL_FAULT_RESOURCE, site);
  return fail;
}

void *mio__malloc_at(size_t size, const char *site) {
  return mio__fault_at(IOCP_MODEL_FAULT_ALLOCATION, site) ? NULL : malloc(size);
}

void mio__fault_stats(unsigned *sites, unsigned *injected) {
  pthread_mutex_lock(&reached.lock);
  *sites = reached.sites;
  *injected = reached.injected;
  pthread_mutex_unlock(&reached.lock);
}

/* The code armed at each window; taken under window_lock by the first thread there. */
static pthread_mutex_t window_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
  void (*fn)(void *);
  void *arg;
} armed_window[IOCP_MODEL_WINDOWS];

void mio__window_arm(iocp_model_window window, void (*fn)(void *), void *arg) {
  assert((unsigned)window < IOCP_MODEL_WINDOWS);
  pthread_mutex_lock(&window_lock);
  armed_window[window].fn = fn;
  armed_window[window].arg = arg;
  pthread_mutex_unlock(&window_lock);
  if (fn != NULL) atomic_store_explicit(&mio__armed, 1, memory_order_relaxed);
}

/* The calls that reach a window hold no lock of the model there, but at the
 * two win32_model.h names, so the armed code can make any call the other
 * thread of the race would make. */
void mio__window_at(iocp_model_window window) {
  pthread_mutex_lock(&window_lock);
  void (*fn)(void *) = armed_window[window].fn;
  void *arg = armed_window[window].arg;
  armed_window[window].fn = NULL;
  pthread_mutex_unlock(&window_lock);
  if (fn != NULL) fn(arg);
}

/* Threads waiting inside a model call; tests wait for them instead of sleeping. */
static atomic_uint blocked;

void mio__blocked_add(int delta) {
  atomic_fetch_add_explicit(&blocked, (unsigned)delta, memory_order_relaxed);
}

unsigned mio__blocked(void) { return atomic_load_explicit(&blocked, memory_order_relaxed); }

void mio__must(int ok) {
  if (!ok) abort();
}
