/**
 * @file port.c
 * @brief The completion port kernel object of the POSIX model.
 *
 * A port is a FIFO ring of packets, a LIFO stack of blocked waiters and one
 * mutex.  A waiter blocks only while the ring is empty, so a packet posted
 * while anyone waits is handed straight to the top waiter (the one that
 * blocked last, as Windows releases them) and never enters the ring.  The
 * poster wakes that one waiter after unlocking, so the woken thread does not
 * block again on the mutex; a post with nobody waiting makes no system call.
 *
 * Each waiter sleeps on a futex word of its own, on its stack.  The waker's
 * last touch of the record is the store that sets the word; the wake that
 * follows names only its address, which stays mapped, so the waiter may
 * return as soon as it sees the word set.
 *
 * A port's memory is never freed: a destroyed port waits in a pool for the
 * next one.  That lets posting and waiting find the port without a lock or a
 * reference (mio__handle_peek) and then check, under the port's own lock,
 * that it is still the port of their handle.
 *
 * The states, written here once; tests/spin/port.pml checks the protocol
 * they make, the pool's reuse included.
 *
 *   a waiter    how it got there (all under the port's lock but the last)
 *   ----------  ------------------------------------------------------------
 *   linked      GetQueuedCompletionStatusEx found the ring empty: on `top`
 *   handed      a post or a completion unlinked it and wrote its packet: done
 *   released    the close unlinked it with error 735: done
 *   timed out   its deadline passed before it was done: it unlinked itself
 *   woken       handed or released, and its waker set `woken` after unlocking,
 *               its last touch of the record: the waiter may return
 *
 *   a port's memory  how it got there
 *   ---------------  -------------------------------------------------------
 *   open             port_create: `handle` set (the lock is made only once)
 *   closed           CloseHandle: `handle` NULL, waiters released, packets
 *                    dropped, ring freed; files may still hold references
 *   pooled           port_destroy, at the last reference: on `pool`
 *   reopened         port_alloc took it for a new handle: open again, and a
 *                    caller still holding the old handle finds `handle`
 *                    changed under the lock (6)
 */
/** glibc declares syscall(), for the futex calls, only with this. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

struct packet {
  ULONG_PTR key;
  LPOVERLAPPED overlapped;
  DWORD status; /* 0 for posted packets */
  DWORD bytes;
};

/* A thread blocked in GetQueuedCompletionStatusEx; lives on its stack. */
struct waiter {
  struct waiter *below, *above; /* neighbours in the stack */
  int done;             /* under the port lock: packet or error delivered */
  DWORD error;          /* 0: `packet` holds a packet; else why it woke */
  struct packet packet;
  atomic_uint woken;    /* futex word: 1 once the waker is done with the record */
};

struct mio__port {
  struct mio__object hdr;
  pthread_mutex_t lock; /* made once, never destroyed: the memory is reused */
  HANDLE handle;        /* under the lock: the open handle, NULL once closed */
  struct packet *ring;  /* capacity is 0 or a power of two */
  size_t cap, head, count;
  size_t reserved; /* ring slots promised to pending I/O requests */
  struct waiter *top;
  struct mio__port *next_free; /* in the pool */
};

/** Ring slots a port keeps however empty it gets. */
#define RING_MIN 64

/* Destroyed ports, for reuse; under pool_lock. */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mio__port *pool;

/* Packets dropped because their port's handle was closed, for iocp_model_stats(). */
static atomic_ullong discarded;

static void port_close(struct mio__object *obj);
static void port_destroy(struct mio__object *obj);

/* The port of an open handle, locked; NULL with last error 6.  No reference
 * is taken: the caller's handle keeps the port until CloseHandle, which
 * needs the lock too. */
static struct mio__port *port_lock(HANDLE handle) {
  struct mio__port *port = (struct mio__port *)mio__handle_peek(handle, MIO__PORT);
  if (port == NULL) return NULL;
  mio__window(IOCP_MODEL_WINDOW_PORT_LOOKUP);
  pthread_mutex_lock(&port->lock);
  if (port->handle != handle) { /* NULL once closed; peek refused a NULL handle */
    pthread_mutex_unlock(&port->lock); /* closed, and maybe reused, meanwhile */
    SetLastError(ERROR_INVALID_HANDLE);
    port = NULL;
  }
  return port;
}

/* The port of an open handle with one more reference, for a file to keep. */
static struct mio__port *port_get(HANDLE handle) {
  struct mio__port *port = port_lock(handle);
  if (port == NULL) return NULL;
  mio__object_retain(&port->hdr);
  pthread_mutex_unlock(&port->lock);
  return port;
}

static void port_release(struct mio__port *port) { mio__object_release(&port->hdr); }

/* A closed port from the pool, or a new one; NULL when out of memory.  A
 * reused port counts as an allocation too, as each port takes kernel memory
 * on Windows. */
static struct mio__port *port_alloc(void) {
  if (mio__fault(IOCP_MODEL_FAULT_ALLOCATION)) return NULL;
  pthread_mutex_lock(&pool_lock);
  struct mio__port *port = pool;
  if (port != NULL) pool = port->next_free;
  pthread_mutex_unlock(&pool_lock);
  if (port != NULL || (port = malloc(sizeof *port)) == NULL) return port;
  memset(port, 0, sizeof *port);
  port->hdr.type = MIO__PORT;
  port->hdr.close = port_close;
  port->hdr.destroy = port_destroy;
  pthread_mutex_init(&port->lock, NULL);
  return port;
}

static HANDLE port_create(void) {
  struct mio__port *port = port_alloc();
  if (port == NULL) {
    SetLastError(ERROR_NO_SYSTEM_RESOURCES);
    return NULL;
  }
  atomic_init(&port->hdr.refs, 1);
  HANDLE handle = mio__handle_insert(&port->hdr);
  if (handle == NULL) {
    port_destroy(&port->hdr);
    return NULL;
  }
  pthread_mutex_lock(&port->lock); /* a stale handle's caller may hold it */
  assert(port->ring == NULL && port->top == NULL && port->reserved == 0);
  port->handle = handle;
  pthread_mutex_unlock(&port->lock);
  return handle;
}

/**
 * @brief Creates a completion port, or associates a file handle with one.
 * @param FileHandle INVALID_HANDLE_VALUE to create a port, else the file.
 * @param ExistingCompletionPort NULL to create, else the port to associate with.
 * @param CompletionKey Key carried by the file's packets (ignored on creation).
 * @param NumberOfConcurrentThreads Concurrency value (0: processor count).
 * @return The new port, or ExistingCompletionPort; NULL with the last error set.
 *
 * The concurrency value is accepted and not modelled (OS-CREATE-1).
 *
 * @mio{56,65}
 * @mio{77,86}
 *
 * @satisfies{OS-CREATE-1}
 * @satisfies{OS-ASSOC-1}
 * @satisfies{OS-ASSOC-2}
 * @satisfies{OS-ASSOC-3}
 * @satisfies{OS-ASSOC-4}
 * @satisfies{OS-FAULT-1}
 */
HANDLE CreateIoCompletionPort(HANDLE FileHandle, HANDLE ExistingCompletionPort,
                              ULONG_PTR CompletionKey, DWORD NumberOfConcurrentThreads) {
  (void)NumberOfConcurrentThreads;
  if (FileHandle == INVALID_HANDLE_VALUE) {
    if (ExistingCompletionPort == NULL) return port_create();
    SetLastError(ERROR_INVALID_PARAMETER);
    return NULL;
  }
  HANDLE handle = ExistingCompletionPort != NULL ? ExistingCompletionPort : port_create();
  if (handle == NULL) return NULL;
  struct mio__port *port = port_get(handle);
  DWORD error = port ? mio__file_associate(FileHandle, &port->hdr, CompletionKey)
                     : ERROR_INVALID_HANDLE;
  if (port != NULL) port_release(port);
  if (error == 0) return handle;
  if (ExistingCompletionPort == NULL) CloseHandle(handle);
  SetLastError(error);
  return NULL;
}

/* Moves the packets into `ring`, of `cap` slots, which frees the old ring. */
static void ring_move(struct mio__port *port, struct packet *ring, size_t cap) {
  assert(port->count + port->reserved <= cap);
  size_t first = port->cap - port->head; /* packets before the wrap */
  if (first > port->count) first = port->count;
  if (port->count > 0) {
    memcpy(ring, port->ring + port->head, first * sizeof *ring);
    memcpy(ring + first, port->ring, (port->count - first) * sizeof *ring);
  }
  free(port->ring);
  port->ring = ring;
  port->cap = cap;
  port->head = 0;
}

static int ring_grow(struct mio__port *port) {
  size_t cap = port->cap ? port->cap * 2 : RING_MIN;
  struct packet *ring = mio__malloc(cap * sizeof *ring);
  if (ring == NULL) return 0;
  ring_move(port, ring, cap);
  return 1;
}

/* Gives memory back once no more than an eighth of the ring is used: moves
 * the packets to the smallest power of two, at least RING_MIN, with room for
 * twice as many (OS-MEM-1).  Moving only at an eighth keeps the copying to a
 * sixth of the packets a drain takes out.  If the allocation fails, the ring
 * stays as it is: nothing is lost, and the next dequeue tries again. */
static void ring_shrink(struct mio__port *port) {
  size_t need = port->count + port->reserved, cap = port->cap;
  if (cap <= RING_MIN || need > cap / 8) return;
  while (cap > RING_MIN && need <= cap / 4) cap /= 2;
  struct packet *ring = malloc(cap * sizeof *ring);
  if (ring != NULL) ring_move(port, ring, cap);
}

/* Appends `p`; the ring must have room for it. */
static void ring_put(struct mio__port *port, const struct packet *p) {
  assert(port->count < port->cap);
  port->ring[(port->head + port->count) & (port->cap - 1)] = *p;
  port->count++;
}

/* Appends `p` without touching the slots reserved for pending I/O. */
static int ring_push(struct mio__port *port, const struct packet *p) {
  if (port->count + port->reserved >= port->cap && !ring_grow(port)) return 0;
  ring_put(port, p);
  return 1;
}

static void entry_write(OVERLAPPED_ENTRY *e, const struct packet *p) {
  e->lpCompletionKey = p->key;
  e->lpOverlapped = p->overlapped;
  e->Internal = p->status;
  e->dwNumberOfBytesTransferred = p->bytes;
}

/* Moves up to `max` packets from the ring to `entries`; returns how many. */
static ULONG ring_take(struct mio__port *port, OVERLAPPED_ENTRY *entries, ULONG max) {
  ULONG n = 0;
  for (; n < max && port->count > 0; n++) {
    entry_write(&entries[n], &port->ring[port->head]);
    port->head = (port->head + 1) & (port->cap - 1);
    port->count--;
  }
  return n;
}

/* Sleeps until *word is no longer 0 or the CLOCK_MONOTONIC time `deadline`
 * (NULL: never) passes, or for no reason at all; 0, or ETIMEDOUT. */
static int futex_wait(atomic_uint *word, const struct timespec *deadline) {
  if (syscall(SYS_futex, word, FUTEX_WAIT_BITSET_PRIVATE, 0u, deadline, NULL,
              FUTEX_BITSET_MATCH_ANY) == -1 && errno == ETIMEDOUT)
    return ETIMEDOUT;
  return 0;
}

/* Hand-off to a waiter that was unlinked under the lock; call unlocked.
 * After the store `w` may be gone; the wake needs only its address. */
static void waiter_wake(struct waiter *w) {
  atomic_uint *word = &w->woken;
  atomic_store_explicit(word, 1, memory_order_release);
  syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void waiter_unlink(struct mio__port *port, struct waiter *w) {
  if (w->above != NULL) w->above->below = w->below;
  else port->top = w->below;
  if (w->below != NULL) w->below->above = w->above;
}

/* Hands `p` to the waiter that blocked last, if any; call locked, then
 * waiter_wake() the result unlocked. */
static struct waiter *handoff(struct mio__port *port, const struct packet *p) {
  struct waiter *w = port->top;
  if (w != NULL) {
    waiter_unlink(port, w);
    w->packet = *p;
    w->done = 1;
  }
  return w;
}

/**
 * @brief Queues a packet with the given values, uninterpreted.
 * @param CompletionPort The port.
 * @param dwNumberOfBytesTransferred Byte count of the packet.
 * @param dwCompletionKey Key of the packet.
 * @param lpOverlapped Pointer value of the packet, never dereferenced.
 * @return TRUE, or FALSE with the last error set.
 *
 * @satisfies{OS-WAIT-1}
 * @satisfies{OS-FAULT-1}
 * @satisfies{OS-WAIT-2}
 *
 * @mio{132,147}
 */
BOOL PostQueuedCompletionStatus(HANDLE CompletionPort, DWORD dwNumberOfBytesTransferred,
                                ULONG_PTR dwCompletionKey, LPOVERLAPPED lpOverlapped) {
  struct packet p = {dwCompletionKey, lpOverlapped, 0, dwNumberOfBytesTransferred};
  struct mio__port *port = port_lock(CompletionPort);
  if (port == NULL) return FALSE;
  DWORD error = 0;
  struct waiter *w = NULL;
  if (mio__fault(IOCP_MODEL_FAULT_ALLOCATION)) {
    error = ERROR_NO_SYSTEM_RESOURCES;
  } else if ((w = handoff(port, &p)) == NULL && !ring_push(port, &p)) {
    error = ERROR_NO_SYSTEM_RESOURCES;
  }
  pthread_mutex_unlock(&port->lock);
  if (w != NULL) waiter_wake(w);
  return error ? mio__fail(error) : TRUE;
}

int mio__port_reserve(struct mio__object *obj, size_t n) {
  struct mio__port *port = (struct mio__port *)obj;
  pthread_mutex_lock(&port->lock);
  int ok = 1;
  while (ok && port->handle != NULL && port->count + port->reserved + n > port->cap)
    ok = ring_grow(port);
  if (ok && port->handle != NULL) port->reserved += n;
  pthread_mutex_unlock(&port->lock);
  return ok;
}

void mio__port_unreserve(struct mio__object *obj) {
  struct mio__port *port = (struct mio__port *)obj;
  pthread_mutex_lock(&port->lock);
  assert(port->handle == NULL || port->reserved > 0);
  if (port->handle != NULL) port->reserved--;
  pthread_mutex_unlock(&port->lock);
}

/**
 * @brief Queues the packet of a completed I/O request, using its reservation.
 *
 * Once the port's handle is closed the packet is dropped, as Windows drops
 * packets of a port nobody can read.
 * @param obj A port object with a reservation.
 * @param key The file's completion key.
 * @param overlapped The request.
 * @param status Its NTSTATUS.
 * @param bytes Bytes transferred.
 *
 * @satisfies{OS-IO-1}
 */
void mio__port_complete(struct mio__object *obj, ULONG_PTR key, LPOVERLAPPED overlapped,
                          DWORD status, DWORD bytes) {
  struct mio__port *port = (struct mio__port *)obj;
  struct packet p = {key, overlapped, status, bytes};
  struct waiter *w = NULL;
  pthread_mutex_lock(&port->lock);
  if (port->handle == NULL) {
    atomic_fetch_add_explicit(&discarded, 1, memory_order_relaxed);
  } else {
    assert(port->reserved > 0 && port->count < port->cap);
    port->reserved--;
    if ((w = handoff(port, &p)) == NULL) ring_put(port, &p); /* into the reserved slot */
  }
  pthread_mutex_unlock(&port->lock);
  if (w != NULL) waiter_wake(w);
}

/**
 * @brief Moves @p t, a time on CLOCK_MONOTONIC, @p ms milliseconds later.
 * @param t The time; its tv_nsec is below 10^9 before and after.
 * @param ms The interval.
 * @satisfies{OS-TIME-1}
 */
void mio__deadline_add(struct timespec *t, DWORD ms) {
  assert(t->tv_nsec >= 0 && t->tv_nsec < 1000000000L);
  t->tv_sec += ms / 1000;
  t->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (t->tv_nsec >= 1000000000L) {
    t->tv_sec++;
    t->tv_nsec -= 1000000000L;
  }
}

/* Blocks on an empty port, called and returning locked; returns packets
 * taken, or 0 with *error set. */
static ULONG port_wait(struct mio__port *port, HANDLE handle, OVERLAPPED_ENTRY *entries,
                       ULONG count, DWORD ms, DWORD *error) {
  struct waiter w = {.below = port->top}; /* woken, done, error: 0 */
  if (port->top != NULL) port->top->above = &w;
  port->top = &w;

  struct timespec deadline;
  if (ms != INFINITE) {
    clock_gettime(CLOCK_MONOTONIC, &deadline); /* the model's monotonic clock (OS-TIME-1) */
    mio__deadline_add(&deadline, ms);
  }
  mio__blocked_add(1); /* linked: a post now hands its packet to this waiter */
  pthread_mutex_unlock(&port->lock);
  int timed_out = 0;
  while (!timed_out && !atomic_load_explicit(&w.woken, memory_order_acquire))
    timed_out = futex_wait(&w.woken, ms == INFINITE ? NULL : &deadline) == ETIMEDOUT;
  if (!timed_out) mio__window(IOCP_MODEL_WINDOW_WOKEN);
  pthread_mutex_lock(&port->lock);
  mio__blocked_add(-1);
  if (!w.done) { /* timed out, still on the stack: this port's lock was the right one */
    waiter_unlink(port, &w);
    *error = WAIT_TIMEOUT;
    return 0;
  }
  while (!atomic_load_explicit(&w.woken, memory_order_acquire))
    futex_wait(&w.woken, NULL); /* a timeout raced the hand-off: the waker is a store away */
  *error = w.error;
  if (w.error != 0) return 0;
  entry_write(&entries[0], &w.packet);
  if (port->handle != handle) return 1; /* closed since the hand-off: still ours (OS-CLOSE-1) */
  return 1 + ring_take(port, entries + 1, count - 1);
}

/**
 * @brief Dequeues up to ulCount packets, waiting only while the port is empty.
 * @param CompletionPort The port.
 * @param lpCompletionPortEntries Array receiving the packets.
 * @param ulCount Capacity of the array, at least 1.
 * @param ulNumEntriesRemoved Receives the number of packets dequeued.
 * @param dwMilliseconds Time limit in ms; INFINITE waits forever.
 * @param fAlertable Ignored: the model has no APCs (mio passes FALSE).
 * @return TRUE if at least one packet was dequeued, else FALSE with the last error set.
 *
 * @mio{97,125}
 *
 * @satisfies{OS-GET-1}
 * @satisfies{OS-GET-2}
 * @satisfies{OS-GET-3}
 * @satisfies{OS-GET-4}
 * @satisfies{OS-GET-5}
 * @satisfies{OS-MEM-1}
 */
BOOL GetQueuedCompletionStatusEx(HANDLE CompletionPort,
                                 LPOVERLAPPED_ENTRY lpCompletionPortEntries, ULONG ulCount,
                                 PULONG ulNumEntriesRemoved, DWORD dwMilliseconds,
                                 BOOL fAlertable) {
  (void)fAlertable;
  if (ulCount == 0) return mio__fail(ERROR_INVALID_PARAMETER); /* OS-GET-1 */
  if (lpCompletionPortEntries == NULL || ulNumEntriesRemoved == NULL)
    return mio__fail(ERROR_NOACCESS);
  struct mio__port *port = port_lock(CompletionPort);
  if (port == NULL) return FALSE;
  ULONG n = ring_take(port, lpCompletionPortEntries, ulCount);
  DWORD error = n > 0 ? 0 : WAIT_TIMEOUT;
  if (n == 0 && dwMilliseconds != 0)
    n = port_wait(port, CompletionPort, lpCompletionPortEntries, ulCount, dwMilliseconds, &error);
  ring_shrink(port); /* OS-MEM-1: "room for at most 64 packets or for fewer than eight times" */
  pthread_mutex_unlock(&port->lock);
  if (error == WAIT_TIMEOUT) n = 1; /* OS-GET-2: "count == 1" after a timeout */
  else if (error == 0 && mio__fault(IOCP_MODEL_FAULT_OVERCOUNT)) n++;
  *ulNumEntriesRemoved = n;
  return error ? mio__fail(error) : TRUE;
}

/* The port's handle was closed: wake every waiter with 735, drop packets
 * (IOCP-GM-10, OS-CLOSE-1). */
static void port_close(struct mio__object *obj) {
  struct mio__port *port = (struct mio__port *)obj;
  pthread_mutex_lock(&port->lock);
  struct waiter *w = port->top;
  port->top = NULL;
  port->handle = NULL;
  for (struct waiter *v = w; v != NULL; v = v->below) {
    v->done = 1;
    v->error = ERROR_ABANDONED_WAIT_0;
  }
  atomic_fetch_add_explicit(&discarded, port->count, memory_order_relaxed);
  free(port->ring);
  port->ring = NULL;
  port->cap = port->head = port->count = port->reserved = 0;
  pthread_mutex_unlock(&port->lock);
  while (w != NULL) {
    struct waiter *below = w->below; /* read before `w` may vanish */
    waiter_wake(w);
    w = below;
  }
}

/**
 * @brief The packets a port has room for, for tests of OS-MEM-1.
 * @param handle A port's handle.
 * @param reserved Receives the slots reserved for pending I/O (0 for a
 *        handle that is not an open port); may be NULL.
 * @return Ring slots, or 0 for a handle that is not an open port.
 */
size_t mio__port_slots(HANDLE handle, size_t *reserved) {
  if (reserved != NULL) *reserved = 0;
  struct mio__port *port = port_lock(handle);
  if (port == NULL) return 0;
  if (reserved != NULL) *reserved = port->reserved;
  size_t cap = port->cap;
  pthread_mutex_unlock(&port->lock);
  return cap;
}

unsigned long long mio__port_discarded(void) {
  return atomic_load_explicit(&discarded, memory_order_relaxed);
}

/* The last reference is gone: keep the memory for the next port.  Its lock
 * stays made, for a stale handle's caller that may still take it. */
static void port_destroy(struct mio__object *obj) {
  struct mio__port *port = (struct mio__port *)obj;
  assert(port->ring == NULL); /* freed by port_close, or never made */
  pthread_mutex_lock(&pool_lock);
  port->next_free = pool;
  pool = port;
  pthread_mutex_unlock(&pool_lock);
}
