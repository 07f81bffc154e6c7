/**
 * @file test_threads.c
 * @brief Suite threads: the Send + Sync claim of CompletionPort under load.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "support.h"

enum { PRODUCERS = 4, CONSUMERS = 4, PER_PRODUCER = 250000, BATCH = 64 };
/** Packets the test moves. */
#define TOTAL ((uint32_t)PRODUCERS * PER_PRODUCER)

struct load {
  mio_completion_port port;
  atomic_uint received;
  atomic_uint post_errors;
  atomic_uint duplicates;
  atomic_uint out_of_order;
  atomic_uint foreign;
  _Atomic unsigned char (*seen)[PER_PRODUCER];
};

struct producer {
  struct load *load;
  uintptr_t id;
};

/* Token = producer id + 1, bytes = sequence number. */
static void *produce(void *arg) {
  struct producer *p = arg;
  for (uint32_t seq = 0; seq < PER_PRODUCER; seq++) {
    mio_completion_status s = mio_completion_status_new(seq, p->id + 1, NULL);
    if (mio_completion_port_post(&p->load->port, s) != 0)
      atomic_fetch_add(&p->load->post_errors, 1);
  }
  return NULL;
}

static void consume_one(struct load *load, const mio_completion_status *s, int64_t *last) {
  uintptr_t token = mio_completion_status_token(s);
  uint32_t seq = mio_completion_status_bytes_transferred(s);
  if (token < 1 || token > PRODUCERS || seq >= PER_PRODUCER) {
    atomic_fetch_add(&load->foreign, 1);
    return;
  }
  if (atomic_fetch_add_explicit(&load->seen[token - 1][seq], 1, memory_order_relaxed) != 0)
    atomic_fetch_add(&load->duplicates, 1);
  if ((int64_t)seq <= last[token - 1]) atomic_fetch_add(&load->out_of_order, 1);
  last[token - 1] = seq;
}

static void *consume(void *arg) {
  struct load *load = arg;
  mio_completion_status list[BATCH];
  const mio_duration tick = {0, 10000000};
  int64_t last[PRODUCERS] = {-1, -1, -1, -1};
  while (atomic_load(&load->received) < TOTAL) {
    size_t n = 0;
    if (mio_completion_port_get_many(&load->port, list, BATCH, &tick, &n) != 0) continue;
    for (size_t i = 0; i < n; i++) consume_one(load, &list[i], last);
    atomic_fetch_add(&load->received, (unsigned)n);
  }
  return NULL;
}

/** @verifies{IOCP-CP-2} */
void test_iocp_cp_2(void) {
  static struct load load;
  load = (struct load){.port = support_port(0)};
  load.seen = calloc(PRODUCERS, sizeof *load.seen);
  CU_ASSERT_PTR_NOT_NULL_FATAL(load.seen);
  struct producer producers[PRODUCERS];
  support_thread *threads[PRODUCERS + CONSUMERS];
  for (int i = 0; i < CONSUMERS; i++) threads[i] = support_thread_start(consume, &load);
  for (int i = 0; i < PRODUCERS; i++) {
    producers[i] = (struct producer){&load, (uintptr_t)i};
    threads[CONSUMERS + i] = support_thread_start(produce, &producers[i]);
  }
  for (int i = 0; i < PRODUCERS + CONSUMERS; i++) support_thread_join(threads[i]);
  unsigned missing = 0;
  for (int p = 0; p < PRODUCERS; p++)
    for (uint32_t seq = 0; seq < PER_PRODUCER; seq++) missing += load.seen[p][seq] == 0;
  free(load.seen);
  CU_ASSERT_EQUAL(atomic_load(&load.post_errors), 0);
  CU_ASSERT_EQUAL(atomic_load(&load.received), TOTAL);
  CU_ASSERT_EQUAL(missing, 0);
  CU_ASSERT_EQUAL(atomic_load(&load.duplicates), 0);
  CU_ASSERT_EQUAL(atomic_load(&load.out_of_order), 0);
  CU_ASSERT_EQUAL(atomic_load(&load.foreign), 0);
}

/** The tests of this file: suite "threads". */
CU_TestInfo suite_threads[] = {
    {"IOCP-CP-2: 4 posters and 4 getters move 10^6 packets once each", test_iocp_cp_2},
    CU_TEST_INFO_NULL};
