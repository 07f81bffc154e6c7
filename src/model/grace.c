/**
 * @file grace.c
 * @brief When memory found without a lock may be freed: a grace period.
 *
 * Each reader counts itself in one of SLOTS counters (a thread keeps the
 * slot it was given first), under the parity of the current epoch.  To free
 * a batch of retired memory, the reclaimer flips the epoch, so new readers
 * count under the other parity, and waits for every counter of the old
 * parity to reach zero: each reader that could have found the memory has
 * left.  A reader that read the epoch just before the flip and counted
 * itself just after sees the flip when it reads the epoch again, and counts
 * itself anew; so either the reclaimer sees its count, or it sees what the
 * reclaimer unlinked before the flip.
 *
 * Readers hold their stretch for a lookup and one mutex acquisition, never
 * across a wait, so the reclaimer's wait is short.  It runs only for a full
 * batch (BATCH pieces or BATCH_BYTES), outside every other lock, and never in a thread inside a
 * stretch of its own (a test's race window may close a port there); such a
 * batch waits for the next retirement.
 */
#include <assert.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "fault.h"
#include "grace.h"

/** Counters readers spread over, one cache line each. */
#define SLOTS 64
/** A batch is freed once it holds this many pieces, or this many bytes. */
#define BATCH 64
/** See BATCH. */
#define BATCH_BYTES (64u << 10)

static struct {
  _Alignas(64) atomic_ulong count[2]; /* readers inside, by the parity they counted under */
} slots[SLOTS];

static atomic_uint epoch;      /* its low bit: the parity new readers count under */
static atomic_uint next_slot;  /* hands threads their slots in turn */
static _Thread_local unsigned my_slot = UINT_MAX, depth;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* one reclaimer at a time */
static struct mio__retired *retired; /* under the lock */
static size_t pending, pending_bytes; /* under the lock */

unsigned mio__grace_enter(void) {
  if (my_slot == UINT_MAX) my_slot = atomic_fetch_add(&next_slot, 1) % SLOTS;
  unsigned parity;
  for (;;) {
    parity = atomic_load(&epoch) & 1u;
    mio__window(IOCP_MODEL_WINDOW_GRACE);
    atomic_fetch_add(&slots[my_slot].count[parity], 1);
    if ((atomic_load(&epoch) & 1u) == parity) break;
    atomic_fetch_sub(&slots[my_slot].count[parity], 1); /* flipped meanwhile: count anew */
  }
  depth++;
  return my_slot * 2 + parity;
}

void mio__grace_leave(unsigned token) {
  assert(depth > 0);
  depth--;
  atomic_fetch_sub_explicit(&slots[token / 2].count[token % 2], 1, memory_order_release);
}

/* Flips the epoch and waits until no reader counted under the old parity (OS-HANDLE-4). */
static void wait_for_readers(void) {
  unsigned old = atomic_fetch_add(&epoch, 1) & 1u;
  mio__window(IOCP_MODEL_WINDOW_FLIPPED);
  for (unsigned i = 0; i < SLOTS; i++)
    while (atomic_load(&slots[i].count[old]) != 0) sched_yield();
}

void mio__grace_retire(struct mio__retired *r, size_t bytes) {
  struct mio__retired *batch = NULL;
  pthread_mutex_lock(&lock);
  r->next = retired;
  retired = r;
  pending_bytes += bytes;
  if ((++pending >= BATCH || pending_bytes >= BATCH_BYTES) && depth == 0) {
    batch = retired;
    retired = NULL;
    pending = pending_bytes = 0;
    wait_for_readers(); /* under the lock: one flip and one wait at a time */
  }
  pthread_mutex_unlock(&lock);
  while (batch != NULL) {
    struct mio__retired *next = batch->next;
    batch->free(batch);
    batch = next;
  }
}
