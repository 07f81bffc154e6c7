/**
 * @file stress.c
 * @brief Exactly once under load, and under close (IOCP-CP-2, IOCP-GM-10).
 *
 * Usage: `stress [POSTERS GETTERS PACKETS_PER_POSTER CLOSE_ROUNDS SEED]`
 * (defaults 8 8 10000000 20 1; `make stress`; a small run under TSan is
 * part of `make test`).
 *
 * Load round: the posters post PACKETS_PER_POSTER packets each while the
 * getters take them in batches of random size (1 to 64) with random timeouts
 * (0, 1 ms, 10 ms or none).  Every packet must arrive exactly once, with its
 * three fields as posted, and each getter must see each poster's packets in
 * the order they were posted.  Once all have arrived the port is closed, and
 * each getter, blocked or not, must end with 735 or 6.
 *
 * Close rounds: the same, but the port is closed at a random moment while
 * packets are in flight.  Then every packet whose post succeeded is either
 * delivered exactly once or was still queued at the close: the model counts
 * the packets a close discards, and the two must add up exactly.  Posts
 * after the close fail with 6; getters blocked at the close get 735, getters
 * that arrive after it get 6, and nothing else.  Beside each close round a
 * thread opens and closes other ports without pause, so the model frees
 * closed ports' memory (after its grace period, in batches) while the
 * round's threads are still looking their port up.
 *
 * Exit status 0 if every check held; the figures are printed.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mio_iocp.h"

enum { MAX_THREADS = 64, MAX_BATCH = 64 };

struct round {
  mio_completion_port port;
  unsigned posters, getters;
  uint32_t per_poster;
  atomic_uint_fast64_t posted, delivered, late_posts;
  atomic_uint bad_post_error, bad_get_error, duplicate, corrupt, out_of_order;
  atomic_uint ended_735, ended_6;
  atomic_int closed, done;
  atomic_uint_fast64_t churned;
  atomic_uint bad_churn;
  _Atomic unsigned char *seen; /* one flag per packet: posters x per_poster */
};

struct worker {
  struct round *round;
  unsigned id;
  uint64_t rng;
};

static uint32_t next_random(uint64_t *state) { /* xorshift64* */
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return (uint32_t)((*state * 2685821657736338717ull) >> 32);
}

/* The three fields of packet `seq` of poster `p`: each a function of both. */
static uintptr_t token_of(unsigned p) { return (uintptr_t)p + 1; }
static OVERLAPPED *overlapped_of(unsigned p, uint32_t seq) {
  return (OVERLAPPED *)(uintptr_t)(((uintptr_t)seq << 8 | p) << 3);
}

static void *post_all(void *arg) {
  struct worker *w = arg;
  struct round *r = w->round;
  for (uint32_t seq = 0; seq < r->per_poster; seq++) {
    int closed_before = atomic_load(&r->closed);
    uint32_t error = mio_completion_port_post(
        &r->port, mio_completion_status_new(seq, token_of(w->id), overlapped_of(w->id, seq)));
    if (error == 0) {
      atomic_fetch_add_explicit(&r->posted, 1, memory_order_relaxed);
    } else if (error == ERROR_INVALID_HANDLE && atomic_load(&r->closed)) {
      if (closed_before) atomic_fetch_add_explicit(&r->late_posts, 1, memory_order_relaxed);
      break; /* the port is gone: so is the rest of this poster's work */
    } else {
      atomic_fetch_add(&r->bad_post_error, 1);
      break;
    }
  }
  return NULL;
}

static void check_packet(struct round *r, const mio_completion_status *s, int64_t *last) {
  uintptr_t token = mio_completion_status_token(s);
  uint32_t seq = mio_completion_status_bytes_transferred(s);
  if (token < 1 || token > r->posters || seq >= r->per_poster ||
      mio_completion_status_overlapped(s) != overlapped_of((unsigned)token - 1, seq)) {
    atomic_fetch_add(&r->corrupt, 1);
    return;
  }
  unsigned p = (unsigned)token - 1;
  if (atomic_exchange_explicit(&r->seen[(size_t)p * r->per_poster + seq], 1,
                               memory_order_relaxed) != 0)
    atomic_fetch_add(&r->duplicate, 1);
  if ((int64_t)seq <= last[p]) atomic_fetch_add(&r->out_of_order, 1);
  last[p] = seq;
}

static void *get_all(void *arg) {
  struct worker *w = arg;
  struct round *r = w->round;
  static const mio_duration timeouts[] = {{0, 0}, {0, 1000000}, {0, 10000000}};
  int64_t last[MAX_THREADS];
  for (unsigned p = 0; p < r->posters; p++) last[p] = -1;
  mio_completion_status list[MAX_BATCH];
  for (;;) {
    size_t len = 1 + next_random(&w->rng) % MAX_BATCH, n = 0;
    uint32_t pick = next_random(&w->rng) % 4;
    const mio_duration *timeout = pick < 3 ? &timeouts[pick] : NULL;
    uint32_t error = mio_completion_port_get_many(&r->port, list, len, timeout, &n);
    for (size_t i = 0; i < n; i++) check_packet(r, &list[i], last);
    atomic_fetch_add_explicit(&r->delivered, n, memory_order_relaxed);
    if (error == 0 || error == WAIT_TIMEOUT) continue;
    if (error == ERROR_ABANDONED_WAIT_0) atomic_fetch_add(&r->ended_735, 1);
    else if (error == ERROR_INVALID_HANDLE) atomic_fetch_add(&r->ended_6, 1);
    else atomic_fetch_add(&r->bad_get_error, 1);
    return NULL;
  }
}

/* Opens and closes other ports until the round is done. */
static void *churn(void *arg) {
  struct round *r = arg;
  while (!atomic_load(&r->done)) {
    mio_completion_port p;
    if (mio_completion_port_new(0, &p) != 0 || mio_completion_port_close(&p) != 0) {
      atomic_fetch_add(&r->bad_churn, 1);
      break;
    }
    atomic_fetch_add_explicit(&r->churned, 1, memory_order_relaxed);
  }
  return NULL;
}

static void sleep_us(long us) {
  struct timespec t = {us / 1000000, (us % 1000000) * 1000};
  while (nanosleep(&t, &t) == -1 && errno == EINTR) {
  }
}

/** Counts and reports a failed check of the round. */
#define CHECK(cond, ...)                                                                       \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      fprintf(stderr, "stress: FAILED: " __VA_ARGS__);                                         \
      fputc('\n', stderr);                                                                     \
      failed++;                                                                                \
    }                                                                                          \
  } while (0)

/* One round; close_after_us < 0 closes once everything has arrived.
 * Returns the number of failed checks. */
static int run_round(unsigned posters, unsigned getters, uint32_t per_poster,
                     long close_after_us, uint64_t seed) {
  static struct round r;
  memset(&r, 0, sizeof r);
  r.posters = posters;
  r.getters = getters;
  r.per_poster = per_poster;
  r.seen = calloc((size_t)posters * per_poster, 1);
  if (r.seen == NULL || mio_completion_port_new(0, &r.port) != 0) {
    fprintf(stderr, "stress: cannot set up a round\n");
    free((void *)r.seen);
    return 1;
  }
  iocp_model_stats_t before;
  iocp_model_stats(&before);
  pthread_t threads[2 * MAX_THREADS];
  struct worker workers[2 * MAX_THREADS];
  for (unsigned i = 0; i < getters + posters; i++) {
    workers[i] = (struct worker){&r, i < getters ? i : i - getters, seed * 7919 + i + 1};
    pthread_create(&threads[i], NULL, i < getters ? get_all : post_all, &workers[i]);
  }
  pthread_t churner;
  if (close_after_us >= 0) pthread_create(&churner, NULL, churn, &r);
  uint64_t total = (uint64_t)posters * per_poster;
  if (close_after_us >= 0) {
    sleep_us(close_after_us);
  } else {
    while (atomic_load(&r.delivered) < total) sleep_us(1000);
  }
  mio_completion_port handle = r.port; /* the threads keep using r.port's value */
  atomic_store(&r.closed, 1);
  uint32_t close_error = mio_completion_port_close(&handle);
  for (unsigned i = 0; i < getters + posters; i++) pthread_join(threads[i], NULL);
  atomic_store(&r.done, 1);
  if (close_after_us >= 0) pthread_join(churner, NULL);
  iocp_model_stats_t after;
  iocp_model_stats(&after);
  uint64_t discarded = after.packets_discarded - before.packets_discarded;
  uint64_t posted = atomic_load(&r.posted), delivered = atomic_load(&r.delivered);
  uint64_t missing = 0;
  for (uint64_t i = 0; i < total; i++) missing += r.seen[i] == 0;
  int failed = 0;
  CHECK(close_error == 0, "close returned %" PRIu32, close_error);
  CHECK(r.corrupt == 0, "%u packets with fields not as posted", r.corrupt);
  CHECK(r.duplicate == 0, "%u packets delivered twice", r.duplicate);
  CHECK(r.out_of_order == 0, "%u packets out of their poster's order", r.out_of_order);
  CHECK(r.bad_post_error == 0, "%u posts failed other than with 6 after the close",
        r.bad_post_error);
  CHECK(r.bad_get_error == 0, "%u getters ended other than with 735 or 6", r.bad_get_error);
  CHECK(r.bad_churn == 0, "a port opened or closed beside the round failed");
  CHECK(r.ended_735 + r.ended_6 == getters, "%u of %u getters ended", r.ended_735 + r.ended_6,
        getters);
  CHECK(delivered + discarded == posted,
        "posted %" PRIu64 " != delivered %" PRIu64 " + discarded at close %" PRIu64, posted,
        delivered, discarded);
  CHECK(total - missing == delivered, "%" PRIu64 " distinct packets seen, %" PRIu64 " delivered",
        total - missing, delivered);
  if (close_after_us < 0)
    CHECK(posted == total && delivered == total, "load round: %" PRIu64 " of %" PRIu64
          " delivered", delivered, total);
  printf("  %s round: %" PRIu64 " posted, %" PRIu64 " delivered once, %" PRIu64
         " discarded at close; getters ended 735 x%u, 6 x%u; posts after close: %" PRIu64
         "; other ports opened and closed: %" PRIu64 "\n",
         close_after_us < 0 ? "load " : "close", posted, delivered, discarded, r.ended_735,
         r.ended_6, (uint64_t)atomic_load(&r.late_posts), (uint64_t)atomic_load(&r.churned));
  free((void *)r.seen);
  return failed;
}

/**
 * @brief Runs the load round, then the close rounds.
 * @param argc Argument count.
 * @param argv `[POSTERS GETTERS PACKETS_PER_POSTER CLOSE_ROUNDS SEED]`.
 * @return 0 if every check held, 1 if not, 2 on a usage error.
 */
int main(int argc, char **argv) {
  unsigned posters = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 8;
  unsigned getters = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 8;
  uint32_t per_poster = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 10000000u;
  unsigned close_rounds = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 10) : 20;
  uint64_t seed = argc > 5 ? strtoull(argv[5], NULL, 10) : 1;
  if (posters < 1 || posters > MAX_THREADS || getters < 1 || getters > MAX_THREADS ||
      per_poster < 1 || seed == 0) {
    fprintf(stderr, "usage: %s [POSTERS GETTERS PACKETS_PER_POSTER CLOSE_ROUNDS SEED>0]\n",
            argv[0]);
    return 2;
  }
  printf("stress: %u posters x %u getters x %" PRIu32 " packets each, %u close rounds, seed %"
         PRIu64 "\n", posters, getters, per_poster, close_rounds, seed);
  int failed = run_round(posters, getters, per_poster, -1, seed);
  uint64_t rng = seed;
  uint64_t checked = (uint64_t)posters * per_poster;
  uint32_t small = per_poster < 100000 ? per_poster : 100000;
  for (unsigned i = 0; i < close_rounds; i++) {
    long close_after_us = (long)(next_random(&rng) % 50000); /* in flight, or after: 0-50 ms */
    failed += run_round(posters, getters, small, close_after_us, seed + i + 1);
    checked += (uint64_t)posters * small;
  }
  printf("stress: %s; %" PRIu64 " packets checked\n", failed ? "FAILED" : "OK", checked);
  return failed ? 1 : 0;
}
