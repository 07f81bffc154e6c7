/**
 * @file bench.c
 * @brief `make bench`: the project's port beside the queues a Linux programmer
 *        would write instead, in one process, interleaved and repeated.
 *
 * Contenders, each behind the same four calls (queue_ops):
 *  - **api**: the public mio_* API on the POSIX model;
 *  - **model**: the model's Win32 calls, direct;
 *  - **eventfd**: a mutex-guarded ring; an eventfd, readable exactly while the
 *    ring is non-empty, watched with epoll by sleeping consumers;
 *  - **condvar**: a mutex-guarded ring; a condition variable signalled only when
 *    a consumer sleeps;
 *  - **spsc**: a lock-free single-producer single-consumer ring, busy-polled:
 *    the floor, for the one-producer workloads only;
 *  - **pipe**: 32-byte records through a pipe (writes of that size are atomic).
 * Every contender moves the same 32-byte packet (an OVERLAPPED_ENTRY) and
 * dequeues in the same batches.
 *
 * Workloads: `single` (one thread posts N to a new queue, then drains in
 * batches of 64 with zero timeouts), `burst` (the same twice through one
 * queue, the second timed), `1p1c` (a producer, and a consumer blocked in
 * batches of 64), `pingpong` (two threads on one CPU bounce a packet through
 * two queues; p50 of the round trip), `PxC` (P producers, C blocked
 * consumers), `pool` (2 producers, 8 workers that take one packet a call and
 * work on it about a microsecond: a thread pool, beside condvar's, the plain
 * one), `depth` (single at 10^3..10^6 queued), `memory` (heap held
 * after 10^6 packets were queued and drained) and `peak` (heap per packet
 * while 10^6 are queued).  The heap is glibc's as a program gets it: no
 * mallopt, nothing touched in advance.
 *
 * Before each repetition the bench times a cache line's round trip between
 * the first two CPUs it may run on: what every hand-off between processors
 * costs at that moment.  On a virtual machine it can change several-fold
 * within a minute, so the table gives it per repetition.
 *
 * Usage: `bench [--reps N] [--quick] [--json FILE] [--only WORKLOAD]`, or
 * `bench --count api|model N`
 * (N posts and gets, for callgrind's instruction count).  The table goes to
 * stdout: per workload the median over repetitions of each contender's time
 * over eventfd's (condvar's for ping-pong) in the same repetition, then the
 * absolute figures.
 */
/** glibc's extensions: eventfd, epoll, CPU affinity, mallinfo2, F_SETPIPE_SZ. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "mio_iocp.h"

/** The packet every contender moves: 32 bytes. */
typedef OVERLAPPED_ENTRY packet;
enum { BATCH = 64, FOREVER = -1 };
/** Rounds of work_on() a pool worker does per packet: about a microsecond here. */
enum { POOL_WORK = 250 };
/** The key of the packet that tells a consumer to stop; real keys count from 0. */
#define STOP_KEY UINTPTR_MAX

/** One contender: a queue of packets. timeout_ms is 0 or FOREVER. */
typedef struct queue_ops {
  const char *name;
  int one_producer_only; /* spsc */
  void *(*create)(void);
  void (*destroy)(void *q);
  void (*post)(void *q, const packet *p);
  size_t (*get)(void *q, packet *out, size_t len, int timeout_ms);
} queue_ops;

static void die(const char *what) {
  perror(what);
  exit(2);
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* ---- api: the public API ---- */

static void *api_create(void) {
  mio_completion_port *p = malloc(sizeof *p);
  if (p == NULL || mio_completion_port_new(0, p) != 0) die("api new");
  return p;
}
static void api_destroy(void *q) {
  mio_completion_port_close(q);
  free(q);
}
static void api_post(void *q, const packet *p) {
  if (mio_completion_port_post(q, mio_completion_status_new(p->dwNumberOfBytesTransferred,
                                                            p->lpCompletionKey, p->lpOverlapped)) != 0)
    die("api post");
}
static size_t api_get(void *q, packet *out, size_t len, int timeout_ms) {
  const mio_duration zero = {0, 0};
  size_t n = 0;
  uint32_t e = mio_completion_port_get_many(q, (mio_completion_status *)out, len,
                                            timeout_ms == 0 ? &zero : NULL, &n);
  if (e != 0 && e != WAIT_TIMEOUT) die("api get");
  return n;
}

/* ---- model: the model's Win32 calls ---- */

static void *model_create(void) {
  HANDLE h = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
  if (h == NULL) die("model new");
  return h;
}
static void model_destroy(void *q) { CloseHandle(q); }
static void model_post(void *q, const packet *p) {
  if (!PostQueuedCompletionStatus(q, p->dwNumberOfBytesTransferred, p->lpCompletionKey, p->lpOverlapped))
    die("model post");
}
static size_t model_get(void *q, packet *out, size_t len, int timeout_ms) {
  ULONG n = 0;
  if (!GetQueuedCompletionStatusEx(q, out, (ULONG)len, &n, timeout_ms == 0 ? 0 : INFINITE, FALSE)) {
    if (GetLastError() != WAIT_TIMEOUT) die("model get");
    return 0;
  }
  return n;
}

/* ---- A growable ring under a mutex, shared by eventfd and condvar ---- */

/** A growable ring of packets under a mutex (eventfd and condvar share it). */
typedef struct ring {
  pthread_mutex_t lock;
  packet *slot;
  size_t head, count, cap; /* cap: a power of two */
} ring;

static void ring_init(ring *r) {
  pthread_mutex_init(&r->lock, NULL);
  r->cap = 64;
  r->head = r->count = 0;
  r->slot = malloc(r->cap * sizeof *r->slot);
  if (r->slot == NULL) die("ring");
}
static void ring_free(ring *r) {
  pthread_mutex_destroy(&r->lock);
  free(r->slot);
}
/* With the lock held. */
static void ring_push(ring *r, const packet *p) {
  if (r->count == r->cap) {
    packet *s = malloc(2 * r->cap * sizeof *s);
    if (s == NULL) die("ring grow");
    for (size_t i = 0; i < r->count; i++) s[i] = r->slot[(r->head + i) & (r->cap - 1)];
    free(r->slot);
    r->slot = s;
    r->head = 0;
    r->cap *= 2;
  }
  r->slot[(r->head + r->count++) & (r->cap - 1)] = *p;
}
/* With the lock held. */
static size_t ring_take(ring *r, packet *out, size_t len) {
  size_t n = r->count < len ? r->count : len;
  for (size_t i = 0; i < n; i++) out[i] = r->slot[(r->head + i) & (r->cap - 1)];
  r->head = (r->head + n) & (r->cap - 1);
  r->count -= n;
  return n;
}

/* ---- eventfd: readable exactly while the ring holds packets ---- */

/** The eventfd contender: the eventfd is readable exactly while the ring holds packets. */
typedef struct efq {
  ring r;
  int efd, ep;
} efq;

static void *ef_create(void) {
  efq *q = malloc(sizeof *q);
  if (q == NULL) die("eventfd");
  ring_init(&q->r);
  q->efd = eventfd(0, EFD_NONBLOCK);
  q->ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN};
  if (q->efd < 0 || q->ep < 0 || epoll_ctl(q->ep, EPOLL_CTL_ADD, q->efd, &ev) != 0) die("eventfd");
  return q;
}
static void ef_destroy(void *v) {
  efq *q = v;
  close(q->efd);
  close(q->ep);
  ring_free(&q->r);
  free(q);
}
static void ef_post(void *v, const packet *p) {
  efq *q = v;
  pthread_mutex_lock(&q->r.lock);
  ring_push(&q->r, p);
  if (q->r.count == 1 && write(q->efd, &(uint64_t){1}, 8) != 8) die("eventfd write");
  pthread_mutex_unlock(&q->r.lock);
}
static size_t ef_get(void *v, packet *out, size_t len, int timeout_ms) {
  efq *q = v;
  for (;;) {
    pthread_mutex_lock(&q->r.lock);
    size_t n = ring_take(&q->r, out, len);
    uint64_t drained;
    if (n > 0 && q->r.count == 0 && read(q->efd, &drained, 8) != 8) die("eventfd read");
    pthread_mutex_unlock(&q->r.lock);
    if (n > 0 || timeout_ms == 0) return n;
    struct epoll_event ev;
    if (epoll_wait(q->ep, &ev, 1, -1) < 0 && errno != EINTR) die("epoll_wait");
  }
}

/* ---- condvar: signalled only when a consumer sleeps ---- */

/** The condvar contender: signalled only when a consumer sleeps. */
typedef struct cvq {
  ring r;
  pthread_cond_t cond;
  int sleepers;
} cvq;

static void *cv_create(void) {
  cvq *q = malloc(sizeof *q);
  if (q == NULL) die("condvar");
  ring_init(&q->r);
  pthread_cond_init(&q->cond, NULL);
  q->sleepers = 0;
  return q;
}
static void cv_destroy(void *v) {
  cvq *q = v;
  pthread_cond_destroy(&q->cond);
  ring_free(&q->r);
  free(q);
}
static void cv_post(void *v, const packet *p) {
  cvq *q = v;
  pthread_mutex_lock(&q->r.lock);
  ring_push(&q->r, p);
  if (q->sleepers > 0) pthread_cond_signal(&q->cond);
  pthread_mutex_unlock(&q->r.lock);
}
static size_t cv_get(void *v, packet *out, size_t len, int timeout_ms) {
  cvq *q = v;
  pthread_mutex_lock(&q->r.lock);
  while (q->r.count == 0 && timeout_ms != 0) {
    q->sleepers++;
    pthread_cond_wait(&q->cond, &q->r.lock);
    q->sleepers--;
  }
  size_t n = ring_take(&q->r, out, len);
  pthread_mutex_unlock(&q->r.lock);
  return n;
}

/* ---- spsc: lock-free, busy-polled; the floor ---- */

enum { SPSC_CAP = 1 << 21 };
/** The lock-free single-producer, single-consumer ring, busy-polled. */
typedef struct spsc {
  _Alignas(64) _Atomic size_t head; /* consumer's */
  _Alignas(64) _Atomic size_t tail; /* producer's */
  _Alignas(64) packet slot[SPSC_CAP];
} spsc;

static void *sp_create(void) {
  spsc *q = aligned_alloc(64, sizeof *q);
  if (q == NULL) die("spsc");
  atomic_init(&q->head, 0);
  atomic_init(&q->tail, 0);
  return q;
}
static void sp_destroy(void *q) { free(q); }
static void sp_post(void *v, const packet *p) {
  spsc *q = v;
  size_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
  while (t - atomic_load_explicit(&q->head, memory_order_acquire) == SPSC_CAP) sched_yield();
  q->slot[t & (SPSC_CAP - 1)] = *p;
  atomic_store_explicit(&q->tail, t + 1, memory_order_release);
}
static size_t sp_get(void *v, packet *out, size_t len, int timeout_ms) {
  spsc *q = v;
  size_t h = atomic_load_explicit(&q->head, memory_order_relaxed), t;
  while ((t = atomic_load_explicit(&q->tail, memory_order_acquire)) == h && timeout_ms != 0) continue;
  size_t n = t - h < len ? t - h : len;
  for (size_t i = 0; i < n; i++) out[i] = q->slot[(h + i) & (SPSC_CAP - 1)];
  atomic_store_explicit(&q->head, h + n, memory_order_release);
  return n;
}

/* ---- pipe: 32-byte records, atomic below PIPE_BUF ---- */

/** The pipe contender: 32-byte records, each written atomically. */
typedef struct pipeq {
  int fd[2];
} pipeq;

static void *pp_create(void) {
  pipeq *q = malloc(sizeof *q);
  if (q == NULL || pipe(q->fd) != 0) die("pipe");
  fcntl(q->fd[1], F_SETPIPE_SZ, 1 << 20);
  return q;
}
static void pp_destroy(void *v) {
  pipeq *q = v;
  close(q->fd[0]);
  close(q->fd[1]);
  free(q);
}
static void pp_post(void *v, const packet *p) {
  pipeq *q = v;
  if (write(q->fd[1], p, sizeof *p) != (ssize_t)sizeof *p) die("pipe write");
}
static size_t pp_get(void *v, packet *out, size_t len, int timeout_ms) {
  pipeq *q = v;
  if (timeout_ms == 0) fcntl(q->fd[0], F_SETFL, O_NONBLOCK);
  ssize_t r = read(q->fd[0], out, len * sizeof *out);
  if (timeout_ms == 0) fcntl(q->fd[0], F_SETFL, 0);
  if (r < 0 && errno != EAGAIN) die("pipe read");
  return r < 0 ? 0 : (size_t)r / sizeof *out;
}

static const queue_ops contenders[] = {
    {"api", 0, api_create, api_destroy, api_post, api_get},
    {"model", 0, model_create, model_destroy, model_post, model_get},
    {"eventfd", 0, ef_create, ef_destroy, ef_post, ef_get},
    {"condvar", 0, cv_create, cv_destroy, cv_post, cv_get},
    {"spsc", 1, sp_create, sp_destroy, sp_post, sp_get},
    {"pipe", 0, pp_create, pp_destroy, pp_post, pp_get},
};
enum { CONTENDERS = sizeof contenders / sizeof contenders[0] };


/* ---- Workloads: each returns seconds per packet (or per round trip), < 0 if n/a ---- */

static void check_order(const packet *p, size_t n, size_t first) {
  for (size_t i = 0; i < n; i++)
    if (p[i].lpCompletionKey != first + i) {
      fprintf(stderr, "bench: packet %zu out of order\n", first + i);
      exit(1);
    }
}

/* Posts n packets, then drains them in batches of 64 with zero timeouts. */
static void post_then_drain(const queue_ops *o, void *q, size_t n) {
  packet out[BATCH];
  for (size_t i = 0; i < n; i++) o->post(q, &(packet){.lpCompletionKey = i, .dwNumberOfBytesTransferred = 1});
  for (size_t got = 0; got < n;) {
    size_t k = o->get(q, out, BATCH, 0);
    check_order(out, k, got);
    got += k;
  }
}

/* One burst through a new queue; with `warm`, the timed burst is the second
 * through the same queue, as a selector's port sees burst after burst. */
static double single(const queue_ops *o, size_t n, int warm) {
  if (strcmp(o->name, "pipe") == 0 && n * sizeof(packet) > (1u << 20)) return -1; /* pipe size */
  void *q = o->create();
  if (warm) post_then_drain(o, q, n);
  double t0 = now();
  post_then_drain(o, q, n);
  double t = now() - t0;
  o->destroy(q);
  return t / (double)n;
}

/** A producer or consumer thread of the PxC and pool workloads. */
typedef struct worker {
  const queue_ops *o;
  void *q;
  size_t n;            /* producer: packets to post */
  _Atomic size_t *got; /* consumers: packets taken, all of them */
  pthread_t thread;
  size_t batch;        /* consumers: packets a call may take */
  unsigned work;       /* consumers: rounds of work per packet */
} worker;

/** A piece of work on a packet: `rounds` steps of a hash the compiler cannot skip. */
static uint64_t work_on(const packet *p, unsigned rounds) {
  uint64_t h = (uint64_t)p->lpCompletionKey;
  for (unsigned i = 0; i < rounds; i++) h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9u + i;
  return h;
}

static void *produce(void *arg) {
  worker *w = arg;
  for (size_t i = 0; i < w->n; i++) w->o->post(w->q, &(packet){.lpCompletionKey = i, .dwNumberOfBytesTransferred = 1});
  return NULL;
}

/* Takes batches until a STOP packet; extra STOPs in its batch go back for the others. */
static void *consume(void *arg) {
  worker *w = arg;
  packet out[BATCH];
  uint64_t sum = 0;
  for (int stop = 0; !stop;) {
    size_t k = w->o->get(w->q, out, w->batch, FOREVER), real = 0;
    for (size_t i = 0; i < k; i++) {
      if (out[i].lpCompletionKey != STOP_KEY) real++, sum += work_on(&out[i], w->work);
      else if (stop++) w->o->post(w->q, &out[i]);
    }
    atomic_fetch_add(w->got, real);
  }
  return (void *)(uintptr_t)(sum & 1); /* the work's result, so that it is done */
}

static double producers_consumers(const queue_ops *o, int producers, int consumers, size_t n,
                                  size_t batch, unsigned work) {
  if (o->one_producer_only && (producers > 1 || consumers > 1)) return -1;
  void *q = o->create();
  _Atomic size_t got = 0;
  worker w[16];
  double t0 = now();
  for (int c = 0; c < consumers; c++) {
    w[c] = (worker){o, q, 0, &got, 0, batch, work};
    if (pthread_create(&w[c].thread, NULL, consume, &w[c]) != 0) die("thread");
  }
  for (int p = 0; p < producers; p++) {
    w[consumers + p] = (worker){o, q, n / (size_t)producers, &got, 0, 0, 0};
    if (pthread_create(&w[consumers + p].thread, NULL, produce, &w[consumers + p]) != 0) die("thread");
  }
  for (int p = 0; p < producers; p++) pthread_join(w[consumers + p].thread, NULL);
  for (int c = 0; c < consumers; c++) o->post(q, &(packet){.lpCompletionKey = STOP_KEY});
  for (int c = 0; c < consumers; c++) pthread_join(w[c].thread, NULL);
  double t = now() - t0;
  size_t expected = n / (size_t)producers * (size_t)producers;
  if (atomic_load(&got) != expected) {
    fprintf(stderr, "bench: %s %dx%d: %zu packets of %zu\n", o->name, producers, consumers,
            atomic_load(&got), expected);
    exit(1);
  }
  o->destroy(q);
  return t / (double)expected;
}

/** The two queues of the ping-pong workload. */
typedef struct pong {
  const queue_ops *o;
  void *ping, *pong;
} pong;

static void pin_to(int cpu) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  if (pthread_setaffinity_np(pthread_self(), sizeof one, &one) != 0) die("affinity");
}

static void *ponger(void *arg) {
  pong *p = arg;
  packet x;
  pin_to(0);
  while (p->o->get(p->ping, &x, 1, FOREVER) == 0 || x.lpCompletionKey != STOP_KEY) p->o->post(p->pong, &x);
  return NULL;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Median round trip between two threads on CPU 0. */
static double ping_pong(const queue_ops *o, size_t rounds) {
  if (o->one_producer_only) return -1; /* busy-polling on one CPU measures the scheduler */
  pong p = {o, o->create(), o->create()};
  cpu_set_t before;
  pthread_getaffinity_np(pthread_self(), sizeof before, &before);
  pin_to(0);
  pthread_t t;
  if (pthread_create(&t, NULL, ponger, &p) != 0) die("thread");
  double *lat = malloc(rounds * sizeof *lat);
  if (lat == NULL) die("bench");
  packet x = {0};
  for (size_t r = 0; r < rounds; r++) {
    double t0 = now();
    o->post(p.ping, &x);
    while (o->get(p.pong, &x, 1, FOREVER) == 0) continue;
    lat[r] = now() - t0;
  }
  o->post(p.ping, &(packet){.lpCompletionKey = STOP_KEY});
  pthread_join(t, NULL);
  pthread_setaffinity_np(pthread_self(), sizeof before, &before);
  qsort(lat, rounds, sizeof *lat, by_value);
  double p50 = lat[rounds / 2];
  free(lat);
  o->destroy(p.ping);
  o->destroy(p.pong);
  return p50;
}

/* The heap a queue holds, in bytes per packet, while 10^6 packets are queued
 * (`peak`), or in bytes after they were all drained. */
static double memory_held(const queue_ops *o, int peak) {
  enum { N = 1000000 };
  if (o->one_producer_only || strcmp(o->name, "pipe") == 0) return -1; /* fixed sizes */
  void *q = o->create();
  struct mallinfo2 m = mallinfo2();
  size_t before = m.uordblks + m.hblkhd; /* heap and mmapped chunks */
  packet out[BATCH];
  for (size_t i = 0; i < N; i++) o->post(q, &(packet){.lpCompletionKey = i});
  m = mallinfo2();
  size_t full = m.uordblks + m.hblkhd;
  while (o->get(q, out, BATCH, 0) > 0) continue;
  m = mallinfo2();
  size_t after = m.uordblks + m.hblkhd;
  o->destroy(q);
  if (peak) return full > before ? (double)(full - before) / N : 0;
  return after > before ? (double)(after - before) : 0;
}

/* ---- The machine: a cache line between two CPUs ---- */

enum { LINE_TRIPS = 100000 };
/** The line two threads bounce: each waits for the other's count, then adds one. */
static _Alignas(64) _Atomic unsigned long line;

/* On CPU *arg, waits until the line holds an odd count, LINE_TRIPS times, and makes it even. */
static void *line_echo(void *arg) {
  pin_to(*(const int *)arg);
  for (unsigned long i = 0; i < LINE_TRIPS; i++) {
    while (atomic_load_explicit(&line, memory_order_acquire) != 2 * i + 1) continue;
    atomic_store_explicit(&line, 2 * i + 2, memory_order_release);
  }
  return NULL;
}

/* A cache line's round trip between the first two CPUs this thread may use, in
 * seconds; < 0 if it may use only one. */
static double line_round_trip(void) {
  cpu_set_t before;
  int cpu[2], k = 0;
  pthread_getaffinity_np(pthread_self(), sizeof before, &before);
  for (int c = 0; c < CPU_SETSIZE && k < 2; c++)
    if (CPU_ISSET(c, &before)) cpu[k++] = c;
  if (k < 2) return -1;
  atomic_store(&line, 0);
  pthread_t echo;
  if (pthread_create(&echo, NULL, line_echo, &cpu[1]) != 0) die("thread");
  pin_to(cpu[0]);
  double t0 = now();
  for (unsigned long i = 0; i < LINE_TRIPS; i++) {
    atomic_store_explicit(&line, 2 * i + 1, memory_order_release);
    while (atomic_load_explicit(&line, memory_order_acquire) != 2 * i + 2) continue;
  }
  double trip = (now() - t0) / LINE_TRIPS;
  pthread_join(echo, NULL);
  pthread_setaffinity_np(pthread_self(), sizeof before, &before);
  return trip;
}

/* ---- The run ---- */

/** One workload: its name, unit, reference contender, threads and size. */
typedef struct workload {
  const char *name, *unit, *reference;
  int producers, consumers;
  size_t n;
} workload;

static double run_one(const workload *w, const queue_ops *o) {
  if (strcmp(w->name, "pingpong") == 0) return ping_pong(o, w->n);
  if (strcmp(w->name, "memory") == 0) return memory_held(o, 0);
  if (strcmp(w->name, "peak") == 0) return memory_held(o, 1);
  if (w->producers == 0) return single(o, w->n, strcmp(w->name, "burst") == 0);
  if (strcmp(w->name, "pool") == 0) /* one packet a call, about a microsecond's work on it */
    return producers_consumers(o, w->producers, w->consumers, w->n, 1, POOL_WORK);
  return producers_consumers(o, w->producers, w->consumers, w->n, BATCH, 0);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, by_value);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

enum { MAX_REPS = 15 };

/**
 * @brief Runs every workload on every contender, interleaved, and prints the table.
 * @param argc Argument count.
 * @param argv `[--reps N] [--quick] [--json FILE] [--only WORKLOAD]` or `--count api|model N`.
 * @return 0, or 2 on a usage error.
 */
int main(int argc, char **argv) {
  int reps = 5, quick = 0;
  const char *json = NULL, *only = NULL;
  if (argc == 4 && strcmp(argv[1], "--count") == 0) { /* for callgrind */
    const queue_ops *o = strcmp(argv[2], "api") == 0 ? &contenders[0] : &contenders[1];
    single(o, strtoul(argv[3], NULL, 10), 0);
    return 0;
  }
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) reps = atoi(argv[++i]);
    else if (strcmp(argv[i], "--quick") == 0) quick = 1;
    else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc) json = argv[++i];
    else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = argv[++i];
    else {
      fprintf(stderr, "usage: bench [--reps N] [--quick] [--json FILE] [--only WORKLOAD]"
                      " | bench --count api|model N\n");
      return 2;
    }
  }
  if (reps < 1 || reps > MAX_REPS) reps = 5;
  size_t big = quick ? 100000 : 1000000;
  const workload loads[] = {
      {"single", "ns/packet", "eventfd", 0, 0, big},
      {"burst", "ns/packet", "eventfd", 0, 0, big},
      {"depth-1e3", "ns/packet", "eventfd", 0, 0, 1000},
      {"depth-1e4", "ns/packet", "eventfd", 0, 0, 10000},
      {"depth-1e5", "ns/packet", "eventfd", 0, 0, 100000},
      {"1p1c", "ns/packet", "eventfd", 1, 1, big},
      {"pingpong", "ns p50", "condvar", 0, 0, quick ? 2000 : 20000},
      {"1x8", "ns/packet", "eventfd", 1, 8, big},
      {"2x2", "ns/packet", "eventfd", 2, 2, big},
      {"2x4", "ns/packet", "eventfd", 2, 4, big},
      {"2x8", "ns/packet", "eventfd", 2, 8, big},
      {"4x4", "ns/packet", "eventfd", 4, 4, big},
      {"8x8", "ns/packet", "eventfd", 8, 8, big},
      {"pool", "ns/packet", "condvar", 2, 8, big / 4},
      {"memory", "bytes", "none", 0, 0, 0},
      {"peak", "bytes/packet", "none", 0, 0, 0},
  };
  enum { LOADS = sizeof loads / sizeof loads[0] };
  static double value[LOADS][CONTENDERS][MAX_REPS];
  double trip[MAX_REPS];
  for (int r = 0; r < reps; r++) { /* interleaved: every contender once per repetition */
    trip[r] = line_round_trip();
    for (int w = 0; w < LOADS; w++)
      for (int c = 0; c < CONTENDERS; c++)
        value[w][c][r] = only && strcmp(only, loads[w].name) ? -1 : run_one(&loads[w], &contenders[c]);
  }

  FILE *out = json ? fopen(json, "w") : NULL;
  if (json && out == NULL) die(json);
  if (out) fprintf(out, "{\"reps\": %d, \"quick\": %d, \"line_ns\": [", reps, quick);
  printf("a cache line's round trip between two CPUs before each repetition, ns:");
  for (int r = 0; r < reps; r++) {
    if (trip[r] < 0) printf(" n/a (one CPU)");
    else printf(" %.0f", trip[r] * 1e9);
    if (out) fprintf(out, "%s%.1f", r ? ", " : "", trip[r] < 0 ? -1.0 : trip[r] * 1e9);
  }
  if (out) fprintf(out, "], \"workloads\": [\n");
  printf("\nmedian over %d repetitions of each contender's figure / the reference's, same repetition\n\n", reps);
  printf("%-10s %-9s", "workload", "reference");
  for (int c = 0; c < CONTENDERS; c++) printf(" %8s", contenders[c].name);
  printf("   | absolute medians\n");
  for (int w = 0; w < LOADS; w++) {
    int ref = 0; /* "none": no ratio, the figures only */
    while (ref < CONTENDERS && strcmp(contenders[ref].name, loads[w].reference) != 0) ref++;
    printf("%-10s %-9s", loads[w].name, loads[w].reference);
    if (out) fprintf(out, " {\"name\": \"%s\", \"unit\": \"%s\", \"reference\": \"%s\", \"contenders\": {",
                     loads[w].name, loads[w].unit, loads[w].reference);
    double abs_median[CONTENDERS];
    for (int c = 0; c < CONTENDERS; c++) {
      double ratio[MAX_REPS], abs[MAX_REPS];
      int valid = ref < CONTENDERS && value[w][c][0] >= 0 && value[w][ref][0] > 0;
      for (int r = 0; r < reps; r++) {
        abs[r] = value[w][c][r];
        ratio[r] = valid ? value[w][c][r] / value[w][ref][r] : 0;
      }
      double m = valid ? median(ratio, reps) : -1; /* median() sorts: ratio[0] is the lowest */
      abs_median[c] = value[w][c][0] >= 0 ? median(abs, reps) : -1;
      if (valid) printf(" %7.2fx", m);
      else printf(" %8s", value[w][c][0] < 0 ? "n/a" : "-");
      if (out) fprintf(out, "%s\"%s\": {\"ratio\": %.4f, \"lowest\": %.4f, \"highest\": %.4f, \"median\": %.6g}",
                       c ? ", " : "", contenders[c].name, m, ratio[0], ratio[reps - 1], abs_median[c]);
    }
    printf("   |");
    double scale = strncmp(loads[w].unit, "bytes", 5) == 0 ? 1 : 1e9;
    for (int c = 0; c < CONTENDERS; c++)
      if (abs_median[c] >= 0) printf(" %s %.4g", contenders[c].name, abs_median[c] * scale);
    printf(" (%s)\n", loads[w].unit);
    if (out) fprintf(out, "}}%s\n", w + 1 < LOADS ? "," : "");
  }
  if (out) {
    fprintf(out, "]}\n");
    fclose(out);
  }
  return 0;
}
