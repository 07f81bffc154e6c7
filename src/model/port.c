/**
 * @file port.c
 * @brief The completion port kernel object of the POSIX model.
 *
 * A port is a FIFO queue of packets, a LIFO stack of blocked waiters, the
 * threads associated with it, and one lock.  An associated thread is counted
 * in `running` while it waits neither on the port nor where the model sees it
 * (KQUEUE's CurrentCount, in Windows's terms), and a waiter is released only
 * while `running` is below the concurrency value (OS-RUN-1).  A waiter blocks
 * only while it may take nothing, so a packet posted while anyone waits and
 * the count allows is handed straight to the top waiter (the one that blocked
 * last, as Windows releases them) and never enters the queue.  The poster
 * wakes that one waiter after unlocking, so the woken thread does not block
 * again on the lock; a post with nobody waiting makes no system call.  A
 * getter that finds the queue empty yields its processor once before its call
 * begins (yield_before_wait), and a thread that finds the port's lock held
 * yields its processor until the lock is free (lock_take): both for speed
 * only.  When the count falls (a thread's exit, its call on
 * another port, its synchronous transfer), the top waiter takes the oldest
 * queued packet.
 *
 * A counted thread may also wait where the model cannot see it.  While
 * packets are held back, the top waiter looks every LOOK_MS at the counted
 * threads, as Linux shows them (sched.h), and runs if enough of them sleep
 * (OS-RUN-5).
 *
 * The queue is a list of blocks of BLOCK packets: growing never moves a
 * packet, a block the dequeues empty goes back at once, and a few spare
 * blocks (room for the reserved slots and one block more) save the next
 * burst a malloc per block (OS-MEM-1).
 *
 * Each waiter sleeps on a futex word of its own, on its stack.  The waker's
 * last touch of the record is the store that sets the word; the wake that
 * follows names only its address, which stays mapped, so the waiter may
 * return as soon as it sees the word set.
 *
 * A thread keeps a reference to the port it named last, so posting and
 * waiting on the same handle again go straight to the port's lock, which
 * checks that the port is still the handle's.  The first call finds the port
 * without a lock (mio__handle_peek), so a port's memory is freed only after a
 * grace period (grace.h), once no such lookup can still hold it.  A waiter
 * holds a reference of its own while it sleeps.
 *
 * The states, written here once; tests/spin/port.pml checks the protocol
 * they make, the reclamation included.
 *
 *   a waiter    how it got there (all under the port's lock but the last)
 *   ----------  ------------------------------------------------------------
 *   LINKED      GetQueuedCompletionStatusEx found no packet it may take:
 *               on `top`, and counted out
 *   HANDED      a post, a completion or a falling count unlinked it, wrote
 *               its packet and counted it in; or its own look did
 *   RELEASED    the close unlinked it: its call fails with 735
 *   timed out   its deadline passed while LINKED: it unlinked itself and
 *               counted itself in
 *   woken       HANDED or RELEASED, and its waker set `woken` after unlocking,
 *               its last touch of the record: the waiter may return
 *
 *   a port's memory  how it got there
 *   ---------------  -------------------------------------------------------
 *   open             mio__port_create: `handle` set
 *   closed           port_close: `handle` NULL, waiters released, packets
 *                    dropped, blocks freed; files and sleeping waiters may
 *                    still hold references, and a lookup that found it
 *                    before the close finds `handle` changed under the lock (6)
 *   retired          port_destroy, at the last reference: waiting for the
 *                    lookups that may have found it to end
 *   freed            after that grace period: the memory free
 */
/** glibc declares syscall(), for the futex calls, only with this. */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "grace.h"
#include "port.h"
#include "sched.h"

struct packet {
  ULONG_PTR key;
  LPOVERLAPPED overlapped;
  DWORD status; /* 0 for posted packets */
  DWORD bytes;
};

/** A waiter's state under the port's lock (the table above); timed out and
 *  looked are LINKED left by the waiter itself, and woken is the futex word below. */
enum waiter_state {
  WAITER_LINKED,  /**< on the stack, waiting */
  WAITER_HANDED,  /**< given a packet */
  WAITER_RELEASED /**< released by the close: 735 */
};

/** A waiter's futex word. */
enum waiter_word {
  WORD_ASLEEP, /**< sleeps until woken or its deadline */
  WORD_WOKEN,  /**< its waker is done with the record: the waiter may return */
  WORD_LOOKS   /**< on top while packets are held back: looks every LOOK_MS (OS-RUN-5) */
};

/* A thread's association with the port it last called GetQueuedCompletionStatusEx
 * on (OS-RUN-1, OS-RUN-2): it is `counted` in the port's `running` while it neither
 * waits on the port nor waits where the model sees it (OS-RUN-4).  The record is
 * the thread's own, linked on the port's list under the port's lock. */
struct runner {
  struct runner *prev, *next; /* on port->runners */
  struct mio__port *port;     /* with a reference; NULL: none */
  pid_t tid;                  /* for the look at the thread's state (OS-RUN-5) */
  int counted;
};

/** Counted threads a look reads the state of; more are taken to run. */
#define LOOK_MAX 64

/* A counted thread as a look saw it. */
struct sample {
  pid_t tid;
  int asleep;
  unsigned long long ran; /* its time on a processor so far, in ns */
};

/* A thread blocked in GetQueuedCompletionStatusEx; lives on its stack. */
struct waiter {
  struct waiter *below, *above; /* neighbours in the stack */
  enum waiter_state state;
  struct runner *runner; /* the waiting thread's */
  OVERLAPPED_ENTRY entry; /* WAITER_HANDED: the packet */
  atomic_uint woken;      /* futex word: enum waiter_word */
  unsigned seen;          /* samples of its last look (OS-RUN-5), its own */
  struct sample sample[LOOK_MAX];
};

/** Packets in a block: 256 of 24 bytes, about 6 KiB. */
#define BLOCK BLOCK_SLOTS

struct block {
  struct block *next; /* toward the tail, or the next spare */
  struct packet slot[BLOCK];
};

/* Everything below `handle` is under the lock.  The packets are those from
 * head->slot[first] to tail->slot[last - 1]; free slots are those after
 * `last` in the tail and those of the spares. */
struct mio__port {
  struct mio__object hdr;
  atomic_uint lock; /* 1 while a thread holds it (lock_take) */
  HANDLE handle;        /* the open handle, NULL once closed */
  struct block *head, *tail, *spare;
  size_t first, last, count;
  size_t spares;   /* blocks on `spare` */
  size_t reserved; /* free slots promised to pending I/O requests */
  struct waiter *top;
  unsigned limit;   /* the concurrency value, 0 made the processors online (OS-RUN-3) */
  unsigned running; /* runners counted: the threads released to run (OS-RUN-1) */
  struct runner *runners;
};

/** How often the top waiter looks at the counted threads while packets are
 *  held back (OS-RUN-5): two looks bound a release Windows would make at once. */
#define LOOK_MS 10

/* The port's lock (docs/model.md).  A thread that finds it held gives its
 * processor away until it is free, instead of spinning on it or sleeping in
 * the kernel: the holder runs on with the port's memory in its cache, and the
 * processor goes to a thread with other work.  A holder does nothing that
 * waits for long: it updates the port, allocates or frees memory, or wakes a
 * waiter. */
static void lock_take(struct mio__port *port) {
  while (atomic_exchange_explicit(&port->lock, 1, memory_order_acquire) != 0)
    while (atomic_load_explicit(&port->lock, memory_order_relaxed) != 0) sched_yield();
}

static void lock_drop(struct mio__port *port) {
  assert(atomic_load_explicit(&port->lock, memory_order_relaxed) == 1); /* held */
  atomic_store_explicit(&port->lock, 0, memory_order_release);
}

/* Packets dropped because their port's handle was closed, and ports not yet
 * freed, for iocp_model_stats(). */
static atomic_ullong discarded;
static atomic_uint held;
static atomic_uint looks_released; /* waiters released by a look (OS-RUN-5) */

static void port_close(struct mio__object *obj);
static void port_destroy(struct mio__object *obj);

/* The port this thread named last, with a reference, so that its next call
 * on the same handle needs neither the table nor the grace period: a
 * selector's thread names one port call after call.  The reference is given
 * back when the thread names another handle, finds this one closed, or
 * exits (the key's destructor). */
static _Thread_local struct {
  HANDLE handle;
  struct mio__port *port;
} last;
static pthread_key_t last_key;
static pthread_once_t keys_once = PTHREAD_ONCE_INIT;

static _Thread_local struct runner self;
static pthread_key_t runner_key;

static void last_release(void *port) { mio__object_release(port); }
static void runner_exit(void *runner);
static void keys_make(void) {
  mio__must(pthread_key_create(&last_key, last_release) == 0);
  mio__must(pthread_key_create(&runner_key, runner_exit) == 0);
}

/* Gives back the reference to the port this thread named last (OS-HANDLE-4); call with no
 * lock held, as it may free the port. */
static void last_forget(void) {
  struct mio__port *port = last.port;
  if (port == NULL) return;
  last.port = NULL;
  last.handle = NULL;
  pthread_setspecific(last_key, NULL);
  mio__object_release(&port->hdr);
}

/* Looks `handle` up in the table and makes its port this thread's last (OS-HANDLE-4),
 * with a reference; NULL (6) if it is no open port.  Until the reference is
 * taken, the grace stretch keeps the port's memory. */
static struct mio__port *last_find(HANDLE handle) {
  last_forget();
  unsigned stretch = mio__grace_enter();
  struct mio__port *port = (struct mio__port *)mio__handle_peek(handle, MIO__PORT);
  if (port != NULL) {
    mio__window(IOCP_MODEL_WINDOW_PEEKED);
    lock_take(port);
    int open = port->handle == handle; /* NULL once closed meanwhile */
    if (open) mio__object_retain(&port->hdr); /* safe: the handle's own reference holds */
    lock_drop(port);
    if (!open) port = NULL;
  }
  mio__grace_leave(stretch);
  if (port == NULL) return NULL;
  pthread_once(&keys_once, keys_make);
  mio__must(pthread_setspecific(last_key, port) == 0); /* fails only for want of memory,
                                                           past glibc's 32 keys held in place */
  last.handle = handle;
  last.port = port;
  return port;
}

/* The port of an open handle, locked; NULL (6, OS-HANDLE-2) if none.  Under the
 * lock, `handle` unchanged means CloseHandle has not closed the port yet. */
static struct mio__port *port_lock(HANDLE handle) {
  struct mio__port *port =
      last.port != NULL && last.handle == handle ? last.port : last_find(handle);
  if (port == NULL) return NULL;
  mio__window(IOCP_MODEL_WINDOW_PORT_LOOKUP);
  lock_take(port);
  if (port->handle == handle) return port;
  lock_drop(port); /* closed meanwhile, or before this call */
  last_forget();
  return NULL;
}

struct mio__object *mio__port_get(HANDLE handle) {
  struct mio__port *port = port_lock(handle);
  if (port == NULL) return NULL;
  mio__object_retain(&port->hdr);
  lock_drop(port);
  return &port->hdr;
}

/* A new port, not yet open; NULL when out of memory. */
static struct mio__port *port_alloc(void) {
  struct mio__port *port = mio__malloc(sizeof *port);
  if (port == NULL) return NULL;
  atomic_fetch_add_explicit(&held, 1, memory_order_relaxed);
  memset(port, 0, sizeof *port);
  port->hdr.type = MIO__PORT;
  port->hdr.close = port_close;
  port->hdr.destroy = port_destroy;
  return port;
}

DWORD mio__port_create(HANDLE *out, DWORD concurrency) {
  struct mio__port *port = port_alloc();
  if (port == NULL) return ERROR_NO_SYSTEM_RESOURCES;
  port->limit = concurrency != 0 ? concurrency : mio__cpus_online(); /* OS-RUN-3 */
  atomic_init(&port->hdr.refs, 1);
  HANDLE handle;
  DWORD error = mio__handle_insert(&port->hdr, &handle);
  if (error != 0) {
    port_destroy(&port->hdr);
    return error;
  }
  lock_take(port); /* a caller may look the new handle up already */
  port->handle = handle;
  lock_drop(port);
  *out = handle;
  return 0;
}

/* Free slots: after the tail's last packet, and in the spares (OS-MEM-1). */
static size_t room(const struct mio__port *port) {
  return (port->tail != NULL ? BLOCK - port->last : 0) + port->spares * BLOCK;
}

/* Adds a spare block; 0, or 1450 when out of memory (OS-MEM-1, OS-FAULT-1). */
static DWORD spare_add(struct mio__port *port) {
  struct block *b = mio__malloc(sizeof *b);
  if (b == NULL) return ERROR_NO_SYSTEM_RESOURCES;
  b->next = port->spare;
  port->spare = b;
  port->spares++;
  return 0;
}

/* Frees spares while the free slots without one would still cover the
 * reservations and a block more (OS-MEM-1): a queue that rises and falls
 * across a block's end does not malloc and free at each crossing. */
static void spares_trim(struct mio__port *port) {
  while (port->spare != NULL && room(port) >= port->reserved + 2 * BLOCK) {
    struct block *b = port->spare;
    port->spare = b->next;
    port->spares--;
    free(b);
  }
}

/* Appends `p` to a free slot, which there must be (OS-MEM-1). */
static void queue_put(struct mio__port *port, const struct packet *p) {
  assert(room(port) > 0);
  if (port->tail == NULL || port->last == BLOCK) { /* the next block, from the spares */
    struct block *b = port->spare;
    port->spare = b->next;
    port->spares--;
    b->next = NULL;
    if (port->tail != NULL) port->tail->next = b;
    else port->head = b, port->first = 0;
    port->tail = b;
    port->last = 0;
  }
  port->tail->slot[port->last++] = *p;
  port->count++;
}

/* Appends `p` without touching the slots reserved for pending I/O (OS-MEM-1). */
static DWORD queue_push(struct mio__port *port, const struct packet *p) {
  if (room(port) <= port->reserved && spare_add(port) != 0) return ERROR_NO_SYSTEM_RESOURCES;
  queue_put(port, p);
  return 0;
}

static void entry_write(OVERLAPPED_ENTRY *e, const struct packet *p) {
  e->lpCompletionKey = p->key;
  e->lpOverlapped = p->overlapped;
  e->Internal = p->status;
  e->dwNumberOfBytesTransferred = p->bytes;
}

/* The head block is spent, or the queue empty: the block is a spare (OS-MEM-1). */
static void head_retire(struct mio__port *port) {
  struct block *b = port->head;
  port->head = b->next;
  if (port->head == NULL) port->tail = NULL;
  port->first = 0;
  b->next = port->spare;
  port->spare = b;
  port->spares++;
}

/* Moves up to `max` packets from the queue to `entries`, and says how many (OS-MEM-1). */
static ULONG queue_take(struct mio__port *port, OVERLAPPED_ENTRY *entries, ULONG max) {
  ULONG n = 0;
  while (n < max && port->count > 0) {
    size_t run = port->head == port->tail ? port->last - port->first : BLOCK - port->first;
    if (run > max - n) run = max - n;
    for (size_t i = 0; i < run; i++)
      entry_write(&entries[n + i], &port->head->slot[port->first + i]);
    port->first += run;
    port->count -= run;
    n += (ULONG)run;
    if (port->first == BLOCK || port->count == 0) head_retire(port);
  }
  return n;
}

/* Sleeps until *word is no longer `was` or the CLOCK_MONOTONIC time `deadline`
 * (NULL: never) passes, or for no reason at all; 0, or ETIMEDOUT. */
static int futex_wait(atomic_uint *word, unsigned was, const struct timespec *deadline) {
  if (syscall(SYS_futex, word, FUTEX_WAIT_BITSET_PRIVATE, was, deadline, NULL,
              FUTEX_BITSET_MATCH_ANY) == -1 && errno == ETIMEDOUT)
    return ETIMEDOUT;
  return 0;
}

/* Hand-off to a waiter that was unlinked under the lock; call unlocked.
 * After the store `w` may be gone; the wake needs only its address. */
static void waiter_wake(struct waiter *w) {
  atomic_uint *word = &w->woken;
  atomic_store_explicit(word, WORD_WOKEN, memory_order_release);
  syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void waiter_unlink(struct mio__port *port, struct waiter *w) {
  if (w->above != NULL) w->above->below = w->below;
  else port->top = w->below;
  if (w->below != NULL) w->below->above = w->above;
}

/* The thread is released to run (OS-RUN-1); call locked. */
static void count_in(struct mio__port *port, struct runner *r) {
  r->counted = 1;
  port->running++;
}

/* The thread waits: its slot is free (OS-RUN-1); call locked. */
static void count_out(struct mio__port *port, struct runner *r) {
  r->counted = 0;
  port->running--;
}

/* Packets are held back and a waiter waits: the top waiter must look at the
 * counted threads (OS-RUN-5); call locked when the queue gains a packet or
 * the stack a new top.  A sleeping top is woken to start looking. */
static void look_on_top(struct mio__port *port) {
  struct waiter *w = port->top;
  unsigned asleep = WORD_ASLEEP;
  if (w != NULL && port->count > 0 && /* a load first: the word is rarely ASLEEP here */
      atomic_load_explicit(&w->woken, memory_order_relaxed) == WORD_ASLEEP &&
      atomic_compare_exchange_strong_explicit(&w->woken, &asleep, WORD_LOOKS,
                                              memory_order_relaxed, memory_order_relaxed))
    syscall(SYS_futex, &w->woken, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Unlinks the waiter that blocked last and counts it in, released (OS-WAIT-1);
 * call locked, then write its packet and waiter_wake() it unlocked. */
static struct waiter *release_top(struct mio__port *port) {
  struct waiter *w = port->top;
  waiter_unlink(port, w);
  w->state = WAITER_HANDED;
  count_in(port, w->runner);
  return w;
}

/* Hands `p` to the waiter that blocked last, if the count lets it run
 * (OS-RUN-1); call locked, then waiter_wake() the result unlocked. */
static struct waiter *handoff(struct mio__port *port, const struct packet *p) {
  if (port->top == NULL || port->running >= port->limit) return NULL;
  struct waiter *w = release_top(port);
  entry_write(&w->entry, p);
  return w;
}

/* A counted thread stopped running: if the count now allows, the waiter that
 * blocked last takes the oldest packet (OS-RUN-1, OS-RUN-2, OS-RUN-4); call
 * locked, then waiter_wake() the result unlocked. */
static struct waiter *activate(struct mio__port *port) {
  if (port->top == NULL || port->count == 0 || port->running >= port->limit) return NULL;
  struct waiter *w = release_top(port);
  queue_take(port, &w->entry, 1);
  look_on_top(port);
  return w;
}

/* Counts out `r`, a counted thread that stops running, and returns the waiter
 * its slot lets go, if any (OS-RUN-1, OS-RUN-4); call locked, then
 * waiter_wake() the result unlocked. */
static struct waiter *slot_give_up(struct mio__port *port, struct runner *r) {
  count_out(port, r);
  return activate(port);
}

/* Associates the calling thread with `port`, not counted yet (OS-RUN-2); call locked. */
static void runner_join(struct mio__port *port) {
  pthread_once(&keys_once, keys_make);
  mio__must(pthread_setspecific(runner_key, &self) == 0); /* as in last_find */
  if (self.tid == 0) self.tid = mio__thread_id();
  mio__object_retain(&port->hdr);
  self.port = port;
  self.counted = 0;
  self.prev = NULL;
  self.next = port->runners;
  if (port->runners != NULL) port->runners->prev = &self;
  port->runners = &self;
}

/* Ends the association, and a counted thread's slot goes to the waiter that
 * blocked last (OS-RUN-2); call with no lock held, as it may free the port. */
static void runner_leave(struct runner *r) {
  struct mio__port *port = r->port;
  struct waiter *w = NULL;
  lock_take(port);
  if (r->prev != NULL) r->prev->next = r->next;
  else port->runners = r->next;
  if (r->next != NULL) r->next->prev = r->prev;
  if (r->counted) w = slot_give_up(port, r);
  lock_drop(port);
  if (w != NULL) waiter_wake(w);
  r->port = NULL;
  mio__object_release(&port->hdr);
}

/* The thread exits: its slot goes (OS-RUN-1).  The key's destructor. */
static void runner_exit(void *runner) {
  struct runner *r = runner;
  if (r->port != NULL) runner_leave(r);
}

int mio__port_thread_waits(void) {
  struct mio__port *port = self.port;
  if (port == NULL || !self.counted) return 0; /* only this thread counts itself in */
  lock_take(port);
  struct waiter *w = slot_give_up(port, &self);
  lock_drop(port);
  if (w != NULL) waiter_wake(w);
  return 1;
}

void mio__port_thread_runs(int counted) {
  struct mio__port *port = self.port; /* unchanged: only this thread changes it */
  if (!counted) return;
  lock_take(port);
  count_in(port, &self); /* even past the limit, as Windows lets a thread that wakes run */
  lock_drop(port);
}

DWORD mio__port_post(HANDLE handle, DWORD bytes, ULONG_PTR key, LPOVERLAPPED overlapped) {
  struct packet p = {key, overlapped, 0, bytes};
  struct mio__port *port = port_lock(handle);
  if (port == NULL) return ERROR_INVALID_HANDLE;
  DWORD error = 0;
  struct waiter *w = NULL;
  if (mio__fault(IOCP_MODEL_FAULT_ALLOCATION)) {
    error = ERROR_NO_SYSTEM_RESOURCES;
  } else if ((w = handoff(port, &p)) == NULL && (error = queue_push(port, &p)) == 0) {
    look_on_top(port);
  }
  lock_drop(port);
  if (w != NULL) waiter_wake(w);
  return error;
}

DWORD mio__port_reserve(struct mio__object *obj, size_t n) {
  struct mio__port *port = (struct mio__port *)obj;
  DWORD error = 0;
  lock_take(port);
  while (error == 0 && port->handle != NULL && room(port) < port->reserved + n)
    error = spare_add(port);
  if (error == 0 && port->handle != NULL) port->reserved += n;
  lock_drop(port);
  return error;
}

void mio__port_unreserve(struct mio__object *obj) {
  struct mio__port *port = (struct mio__port *)obj;
  lock_take(port);
  assert(port->handle == NULL || port->reserved > 0);
  if (port->handle != NULL) port->reserved--;
  lock_drop(port);
}

/* Once the port's handle is closed the packet is dropped, as Windows drops
 * packets of a port nobody can read. */
void mio__port_complete(struct mio__object *obj, ULONG_PTR key, LPOVERLAPPED overlapped,
                          DWORD status, DWORD bytes) {
  struct mio__port *port = (struct mio__port *)obj;
  struct packet p = {key, overlapped, status, bytes};
  struct waiter *w = NULL;
  lock_take(port);
  if (port->handle == NULL) {
    atomic_fetch_add_explicit(&discarded, 1, memory_order_relaxed);
  } else {
    assert(port->reserved > 0 && room(port) >= port->reserved);
    port->reserved--;
    if ((w = handoff(port, &p)) == NULL) {
      queue_put(port, &p); /* into the reserved slot */
      look_on_top(port);
    }
  }
  lock_drop(port);
  if (w != NULL) waiter_wake(w);
}

void mio__deadline_add(struct timespec *t, DWORD ms) {
  assert(t->tv_nsec >= 0 && t->tv_nsec < 1000000000L);
  t->tv_sec += ms / 1000;
  t->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (t->tv_nsec >= 1000000000L) {
    t->tv_sec++;
    t->tv_nsec -= 1000000000L;
  }
}

/* Whether `s` was asleep now and at the last look and ran for less than a
 * tenth of the time between: a thread that keeps running between looks (one
 * valgrind schedules in turns, one that waited a moment for a lock) is not
 * taken to wait, nor one that ran until a moment ago on a busy machine that
 * gave it little time; one that naps a millisecond at a time is. */
static int slept_through(const struct waiter *w, const struct sample *s) {
  for (unsigned i = 0; i < w->seen; i++)
    if (w->sample[i].tid == s->tid)
      return s->asleep && w->sample[i].asleep && s->ran - w->sample[i].ran < LOOK_MS * 100000ULL;
  return 0;
}

/* The top waiter's look at the counted threads (OS-RUN-5): if so many of them
 * wait that Windows would count fewer running than the limit, `w` releases
 * itself with the oldest packet.  Called and returning locked. */
static void look(struct mio__port *port, struct waiter *w) {
  if (w->state != WAITER_LINKED) return; /* its waker may be storing WORD_WOKEN */
  if (port->top != w || port->count == 0) { /* nothing held back for it */
    atomic_store_explicit(&w->woken, WORD_ASLEEP, memory_order_relaxed);
    return;
  }
  struct sample now[LOOK_MAX];
  unsigned n = 0, waiting = 0;
  for (struct runner *r = port->runners; r != NULL && n < LOOK_MAX; r = r->next)
    if (r->counted) now[n++].tid = r->tid;
  lock_drop(port); /* the reads take system calls */
  for (unsigned i = 0; i < n; i++) {
    now[i].asleep = mio__thread_sleeps(now[i].tid, &now[i].ran);
    waiting += (unsigned)slept_through(w, &now[i]);
  }
  memcpy(w->sample, now, n * sizeof now[0]);
  w->seen = n;
  lock_take(port);
  if (w->state != WAITER_LINKED || port->top != w || port->count == 0 ||
      port->running >= port->limit + waiting) /* the sleepers left out (OS-RUN-5) */
    return;
  release_top(port);
  queue_take(port, &w->entry, 1);
  atomic_store_explicit(&w->woken, WORD_WOKEN, memory_order_relaxed);
  atomic_fetch_add_explicit(&looks_released, 1, memory_order_relaxed);
  look_on_top(port);
}

/* Sleeps until woken, looking every LOOK_MS while it is asked to (OS-RUN-5),
 * or until `deadline` (NULL: never); 1 if the deadline passed. */
static int waiter_sleep(struct mio__port *port, struct waiter *w, const struct timespec *deadline) {
  unsigned word;
  while ((word = atomic_load_explicit(&w->woken, memory_order_acquire)) != WORD_WOKEN) {
    struct timespec next;
    const struct timespec *until = deadline;
    if (word == WORD_LOOKS) {
      mio__must(clock_gettime(CLOCK_MONOTONIC, &next) == 0);
      mio__deadline_add(&next, LOOK_MS);
      if (until == NULL || next.tv_sec < until->tv_sec ||
          (next.tv_sec == until->tv_sec && next.tv_nsec < until->tv_nsec))
        until = &next;
    }
    if (futex_wait(&w->woken, word, until) != ETIMEDOUT) continue;
    if (until != &next) return 1;
    lock_take(port);
    look(port, w);
    lock_drop(port);
  }
  return 0;
}

/* A getter that would sleep for want of packets unlocks and yields its
 * processor first, so that producers post on: a pool's consumer then often
 * finds a batch and sleeps and wakes far less.  Its call begins after the
 * yield, as if the thread had been preempted just before it: no count or
 * packet has changed.  The model's choice, for speed only (docs/model.md).
 * Returns the port locked again, or NULL (6, OS-HANDLE-2) if it was closed meanwhile. */
static struct mio__port *yield_before_wait(struct mio__port *port, HANDLE handle) {
  lock_drop(port);
  sched_yield();
  return port_lock(handle);
}

/* Blocks until released, called and returning locked, with a reference the
 * caller gives back after unlocking; adds the packets taken to *n, and
 * returns 0, 258 (timed out) or 735 (released by the close). */
static DWORD port_wait(struct mio__port *port, HANDLE handle, OVERLAPPED_ENTRY *entries,
                       ULONG count, DWORD ms, ULONG *n) {
  struct waiter w; /* not zeroed whole: its samples are written before they are read */
  w.below = port->top;
  w.above = NULL;
  w.state = WAITER_LINKED;
  w.runner = &self;
  w.seen = 0;
  atomic_init(&w.woken, port->count > 0 ? WORD_LOOKS : WORD_ASLEEP); /* held back: look */
  if (port->top != NULL) port->top->above = &w;
  port->top = &w;

  struct timespec deadline;
  if (ms != INFINITE) {
    mio__must(clock_gettime(CLOCK_MONOTONIC, &deadline) == 0); /* the model's clock (OS-TIME-1) */
    mio__deadline_add(&deadline, ms);
  }
  mio__blocked_add(1); /* linked: a post now hands its packet to this waiter */
  mio__object_retain(&port->hdr); /* for the lock after the sleep, whatever this thread's
                                     last port is by then (a test's window may name another) */
  lock_drop(port);
  int timed_out = waiter_sleep(port, &w, ms == INFINITE ? NULL : &deadline);
  if (!timed_out) mio__window(IOCP_MODEL_WINDOW_WOKEN);
  lock_take(port);
  mio__blocked_add(-1);
  if (w.state == WAITER_LINKED) { /* timed out, still on this port's stack */
    waiter_unlink(port, &w);
    count_in(port, &self); /* back from its wait, it runs (OS-RUN-1) */
    look_on_top(port);
    return WAIT_TIMEOUT;
  }
  unsigned word;
  while ((word = atomic_load_explicit(&w.woken, memory_order_acquire)) != WORD_WOKEN)
    futex_wait(&w.woken, word, NULL); /* a timeout raced the hand-off: the waker is a store away */
  if (w.state == WAITER_RELEASED) return ERROR_ABANDONED_WAIT_0;
  entries[0] = w.entry;
  *n = 1;
  if (port->handle == handle) /* else closed since the hand-off: still ours (OS-CLOSE-1) */
    *n += queue_take(port, entries + 1, count - 1);
  return 0;
}

DWORD mio__port_get_many(HANDLE handle, OVERLAPPED_ENTRY *entries, ULONG count, DWORD ms,
                         ULONG *n) {
  *n = 0;
  struct mio__port *port = port_lock(handle);
  if (port == NULL) return ERROR_INVALID_HANDLE;
  if (ms != 0 && port->count == 0 && (port = yield_before_wait(port, handle)) == NULL)
    return ERROR_INVALID_HANDLE;
  if (self.port != port) {
    if (self.port != NULL) { /* OS-RUN-2: the slot on the port it named before goes first */
      lock_drop(port);
      runner_leave(&self);
      if ((port = port_lock(handle)) == NULL) return ERROR_INVALID_HANDLE;
    }
    runner_join(port);
  } else if (self.counted) {
    count_out(port, &self); /* OS-RUN-1: its own slot, before it looks at the queue */
  }
  if (port->running < port->limit) *n = queue_take(port, entries, count);
  DWORD error = *n > 0 ? 0 : WAIT_TIMEOUT;
  int wait = *n == 0 && ms != 0;
  if (wait) error = port_wait(port, handle, entries, count, ms, n);
  else count_in(port, &self);
  spares_trim(port); /* OS-MEM-1: "fewer than the reserved ones plus two blocks" */
  lock_drop(port);
  if (wait) mio__object_release(&port->hdr); /* port_wait's reference */
  return error;
}

/* The port's handle was closed: wake every waiter with 735, drop packets
 * (IOCP-GM-10, OS-CLOSE-1). */
static void port_close(struct mio__object *obj) {
  struct mio__port *port = (struct mio__port *)obj;
  lock_take(port);
  struct waiter *w = port->top;
  port->top = NULL;
  port->handle = NULL;
  for (struct waiter *v = w; v != NULL; v = v->below) v->state = WAITER_RELEASED;
  atomic_fetch_add_explicit(&discarded, port->count, memory_order_relaxed);
  for (struct block *b = port->head; b != NULL; port->head = b) b = b->next, free(port->head);
  for (struct block *b = port->spare; b != NULL; port->spare = b) b = b->next, free(port->spare);
  port->tail = NULL;
  port->first = port->last = port->count = port->spares = port->reserved = 0;
  lock_drop(port);
  while (w != NULL) {
    struct waiter *below = w->below; /* read before `w` may vanish */
    waiter_wake(w);
    w = below;
  }
}

size_t mio__port_slots(HANDLE handle, size_t *reserved, size_t *vacant) {
  size_t r, f, slots = 0;
  if (reserved == NULL) reserved = &r;
  if (vacant == NULL) vacant = &f;
  *reserved = *vacant = 0;
  struct mio__port *port = port_lock(handle);
  if (port == NULL) return 0;
  *reserved = port->reserved;
  *vacant = room(port);
  for (struct block *b = port->head; b != NULL; b = b->next) slots += BLOCK;
  slots += port->spares * BLOCK;
  lock_drop(port);
  return slots;
}

unsigned mio__port_held(void) { return atomic_load_explicit(&held, memory_order_relaxed); }

unsigned mio__port_looks_released(void) {
  return atomic_load_explicit(&looks_released, memory_order_relaxed);
}

unsigned long long mio__port_discarded(void) {
  return atomic_load_explicit(&discarded, memory_order_relaxed);
}

static void port_free(struct mio__retired *r) {
  struct mio__port *port = (struct mio__port *)r; /* the object's first member */
  free(port);
  atomic_fetch_sub_explicit(&held, 1, memory_order_relaxed);
}

/* The last reference is gone: free the memory (OS-HANDLE-4) once no lookup that may have
 * found the port is left (grace.h); until then its lock works. */
static void port_destroy(struct mio__object *obj) {
  struct mio__port *port = (struct mio__port *)obj;
  assert(port->head == NULL && port->spare == NULL); /* freed by port_close */
  assert(port->runners == NULL); /* each held a reference */
  port->hdr.retired.free = port_free;
  mio__grace_retire(&port->hdr.retired, sizeof *port);
}
