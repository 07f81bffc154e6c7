/**
 * @file test_get_many.c
 * @brief Suite get_many: CompletionPort::get_many.
 */
#include <string.h>

#include "support.h"

static const mio_duration poll_once = {0, 0};

static void post(const mio_completion_port *port, uint32_t bytes, uintptr_t token) {
  CU_ASSERT_EQUAL_FATAL(
      mio_completion_port_post(port, mio_completion_status_new(bytes, token, NULL)), 0);
}

/** @verifies{IOCP-GM-1} */
void test_iocp_gm_1(void) {
  mio_completion_port port = support_port(0);
  mio_completion_status list[8];
  size_t n = 99;
  for (uintptr_t t = 1; t <= 3; t++) post(&port, 0, t);
  /* len 2 of 3 queued: two, FIFO; then the last one, with room for 8. */
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&port, list, 2, NULL, &n), 0);
  CU_ASSERT_EQUAL_FATAL(n, 2);
  CU_ASSERT_EQUAL(mio_completion_status_token(&list[0]), 1);
  CU_ASSERT_EQUAL(mio_completion_status_token(&list[1]), 2);
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&port, list, 8, NULL, &n), 0);
  CU_ASSERT_EQUAL_FATAL(n, 1);
  CU_ASSERT_EQUAL(mio_completion_status_token(&list[0]), 3);
}

/** @verifies{IOCP-GM-2} */
void test_iocp_gm_2(void) {
  mio_completion_port port = support_port(0);
  mio_completion_status list[4], before[4];
  size_t n = 0;
  memset(list, 0xCC, sizeof list);
  memcpy(before, list, sizeof list);
  post(&port, 1, 1);
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&port, list, 4, &poll_once, &n), 0);
  CU_ASSERT_EQUAL_FATAL(n, 1);
  CU_ASSERT_EQUAL(memcmp(&list[1], &before[1], 3 * sizeof list[0]), 0);
}

/** @verifies{IOCP-GM-3} */
void test_iocp_gm_3(void) {
  mio_completion_port port = support_port(0);
  mio_completion_status s;
  mio_duration wait = {0, 30000000}; /* 30 ms */
  size_t n = 99;
  double start = support_now_ms();
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&port, &s, 1, &wait, &n), WAIT_TIMEOUT);
  CU_ASSERT(support_now_ms() - start >= 29.0);
  CU_ASSERT_EQUAL(n, 0);
}

/** @verifies{IOCP-GM-4} */
void test_iocp_gm_4(void) {
  mio_completion_port port = support_port(0);
  mio_completion_status s;
  size_t n = 99;
  double start = support_now_ms();
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&port, &s, 1, &poll_once, &n), WAIT_TIMEOUT);
  CU_ASSERT(support_now_ms() - start < 1000.0); /* no wait: far below any timeout */
  CU_ASSERT_EQUAL(n, 0);
}

static void *post_later(void *arg) {
  support_sleep_ms(50);
  PostQueuedCompletionStatus(((mio_completion_port *)arg)->handle, 5, 55, NULL);
  return NULL;
}

/** @verifies{IOCP-GM-5} */
void test_iocp_gm_5(void) {
  mio_completion_port port = support_port(0);
  mio_completion_status s = mio_completion_status_zero();
  size_t n = 0;
  support_thread *t = support_thread_start(post_later, &port);
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&port, &s, 1, NULL, &n), 0);
  support_thread_join(t);
  CU_ASSERT_EQUAL(n, 1);
  CU_ASSERT_EQUAL(mio_completion_status_token(&s), 55);
}

/** @verifies{IOCP-GM-6} */
void test_iocp_gm_6(void) {
  mio_completion_port port = support_port(0);
  mio_completion_status s;
  size_t n = 99;
  post(&port, 1, 1);
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&port, &s, 0, &poll_once, &n),
                  ERROR_INVALID_PARAMETER);
  CU_ASSERT_EQUAL(n, 0);
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&port, &s, 1, &poll_once, &n), 0);
  CU_ASSERT_EQUAL(n, 1); /* still queued */
}

/** @verifies{IOCP-GM-7} */
void test_iocp_gm_7(void) {
  _Static_assert(SIZE_MAX > UINT32_MAX, "x86_64 only: size_t is wider than a ULONG");
  mio_completion_port port = support_port(0);
  mio_completion_status s[2];
  size_t n = 99;
  post(&port, 1, 1);
  post(&port, 2, 2);
  /* 2^32 + 1 truncated would be a count of 1 and dequeue one status;
   * clamped it is 0xFFFFFFFF and dequeues both. */
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&port, s, (size_t)UINT32_MAX + 2, &poll_once, &n), 0);
  CU_ASSERT_EQUAL(n, 2);
}

/** @verifies{IOCP-GM-8} */
void test_iocp_gm_8(void) {
  mio_completion_port port = support_port(0);
  mio_completion_status s;
  size_t n = 99;
  post(&port, 1, 1);
  CU_ASSERT_EQUAL(mio_completion_port_get_many(NULL, &s, 1, &poll_once, &n),
                  ERROR_INVALID_PARAMETER);
  CU_ASSERT_EQUAL(n, 0);
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&port, NULL, 1, &poll_once, &n),
                  ERROR_INVALID_PARAMETER);
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&port, &s, 1, &poll_once, NULL),
                  ERROR_INVALID_PARAMETER);
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&port, &s, 1, &poll_once, &n), 0);
  CU_ASSERT_EQUAL(n, 1); /* nothing was lost */
}

/** @verifies{IOCP-GM-9} */
void test_iocp_gm_9(void) {
  mio_completion_status s;
  size_t n = 99;
  mio_completion_port bogus = {(HANDLE)(uintptr_t)0xdead0}, open = support_port(0);
  mio_completion_port closed = open; /* a copy that outlives the close */
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&bogus, &s, 1, &poll_once, &n),
                  ERROR_INVALID_HANDLE);
  CU_ASSERT_EQUAL(support_close(&open), 0);
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&closed, &s, 1, &poll_once, &n),
                  ERROR_INVALID_HANDLE);
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&open, &s, 1, &poll_once, &n),
                  ERROR_INVALID_HANDLE); /* the emptied port: a NULL handle */
}

struct waiter_result {
  const mio_completion_port *port;
  uint32_t error;
};

/* Long but finite: if closing did not wake them they would fail with 258. */
static void *wait_long(void *arg) {
  struct waiter_result *r = arg;
  const mio_duration three_seconds = {3, 0};
  mio_completion_status s;
  size_t n = 0;
  r->error = mio_completion_port_get_many(r->port, &s, 1, &three_seconds, &n);
  return NULL;
}

/** @verifies{IOCP-GM-10} */
void test_iocp_gm_10(void) {
  mio_completion_port port = support_port(0);
  mio_completion_port shared = port; /* the waiters' copy: close empties `port` */
  struct waiter_result r[3];
  support_thread *t[3];
  for (int i = 0; i < 3; i++) {
    r[i] = (struct waiter_result){&shared, 0};
    t[i] = support_thread_start(wait_long, &r[i]);
  }
  support_await_blocked(3);
  CU_ASSERT_EQUAL(support_close(&port), 0);
  uint32_t expected = ERROR_ABANDONED_WAIT_0;
  if (support_substrate() == SUBSTRATE_WINE) {
    expected = WAIT_TIMEOUT;
    support_deviation("Wine 8.0 does not wake waiters when the port is closed: they run out "
                      "their timeout with 258, and an INFINITE wait never returns (Windows: 735)");
  }
  for (int i = 0; i < 3; i++) {
    support_thread_join(t[i]);
    CU_ASSERT_EQUAL(r[i].error, expected);
  }
}

/** @verifies{IOCP-GM-11} */
void test_iocp_gm_11(void) {
  static volatile int ran;
  ran = 0;
  if (!support_queue_apc(&ran)) {
    support_not_applicable("the model has no APCs, so alertable and plain waits look alike");
    return;
  }
  mio_completion_port port = support_port(0);
  mio_completion_status list[1];
  const mio_duration zero = {0, 0};
  size_t n = 9;
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&port, list, 1, &zero, &n), WAIT_TIMEOUT);
  CU_ASSERT_EQUAL(n, 0);
  CU_ASSERT_EQUAL(ran, 0); /* not run inside get_many: the wait was not alertable */
  support_run_apcs();
  CU_ASSERT_EQUAL(ran, 1); /* the APC was really queued */
}

/** @verifies{IOCP-GM-13} */
void test_iocp_gm_13(void) {
  mio_completion_port port = support_port(0);
  mio_completion_status s[2] = {mio_completion_status_zero(), mio_completion_status_zero()};
  size_t n = 99;
  post(&port, 7, 7);
  size_t len = 0; /* Wine 8.0 claims 1 entry for a length of 0 */
  if (support_inject_overcount()) len = 1; /* the model claims 2 for the 1 it writes */
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&port, s, len, &poll_once, &n),
                  ERROR_INVALID_PARAMETER);
  CU_ASSERT_EQUAL(n, 0);
}

/** The tests of this file: suite "get_many". */
CU_TestInfo suite_get_many[] = {
    {"IOCP-GM-1: returns what is queued at once, in order", test_iocp_gm_1},
    {"IOCP-GM-2: leaves the entries past those dequeued untouched", test_iocp_gm_2},
    {"IOCP-GM-3: an empty port times out after the timeout", test_iocp_gm_3},
    {"IOCP-GM-4: a zero timeout does not wait", test_iocp_gm_4},
    {"IOCP-GM-5: no timeout waits for a post", test_iocp_gm_5},
    {"IOCP-GM-6: an empty list is refused", test_iocp_gm_6},
    {"IOCP-GM-7: a length past UINT32_MAX is clamped, not truncated", test_iocp_gm_7},
    {"IOCP-GM-8: NULL arguments are refused", test_iocp_gm_8},
    {"IOCP-GM-9: a bad or closed port gives 6", test_iocp_gm_9},
    {"IOCP-GM-10: closing the port releases every waiter with 735", test_iocp_gm_10},
    {"IOCP-GM-11: an APC neither runs inside nor ends the wait", test_iocp_gm_11},
    {"IOCP-GM-13: an OS that claims too many statuses is refused", test_iocp_gm_13},
    CU_TEST_INFO_NULL};
