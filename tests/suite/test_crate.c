/**
 * @file test_crate.c
 * @brief Suite crate_tests: mio's own two unit tests of iocp.rs, in C.
 */
#include "support.h"

enum { SENT = 100 };

static void *post_all(void *arg) {
  const mio_completion_port *port = arg;
  uintptr_t failures = 0;
  for (uintptr_t t = 0; t < SENT; t++)
    failures += mio_completion_port_post(port, mio_completion_status_new(0, t, NULL)) != 0;
  return (void *)failures;
}

static void *drain_all(void *arg) {
  const mio_completion_port *port = arg;
  uintptr_t in_order = 0;
  for (uintptr_t expect = 0; expect < SENT;) {
    mio_completion_status s[8];
    size_t n = 0;
    if (mio_completion_port_get_many(port, s, 8, NULL, &n) != 0) break;
    for (size_t i = 0; i < n; i++, expect++)
      in_order += mio_completion_status_token(&s[i]) == expect;
  }
  return (void *)in_order;
}

/**
 * Rust checks `CompletionPort: Send + Sync` at compile time; C can only
 * show it: the port moves to other threads and is used by two at once.
 * @verifies{IOCP-TEST-1}
 */
void test_iocp_test_1(void) {
  mio_completion_port port = support_port(0);
  support_thread *drainer = support_thread_start(drain_all, &port);
  support_thread *poster = support_thread_start(post_all, &port);
  CU_ASSERT_EQUAL((uintptr_t)support_thread_join(poster), 0);
  CU_ASSERT_EQUAL((uintptr_t)support_thread_join(drainer), SENT);
}

/** @verifies{IOCP-TEST-2} */
void test_iocp_test_2(void) {
  mio_completion_port c = support_port(1);
  CU_ASSERT_EQUAL(mio_completion_port_post(&c, mio_completion_status_new(1, 2, FAKE_OVERLAPPED(3))), 0);
  CU_ASSERT_EQUAL(mio_completion_port_post(&c, mio_completion_status_new(4, 5, FAKE_OVERLAPPED(6))), 0);
  mio_completion_status s[4];
  for (int i = 0; i < 4; i++) s[i] = mio_completion_status_zero();
  size_t len = 0;
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&c, s, 4, NULL, &len), 0);
  CU_ASSERT_EQUAL(len, 2);
  CU_ASSERT_EQUAL(mio_completion_status_bytes_transferred(&s[0]), 1);
  CU_ASSERT_EQUAL(mio_completion_status_token(&s[0]), 2);
  CU_ASSERT_PTR_EQUAL(mio_completion_status_overlapped(&s[0]), FAKE_OVERLAPPED(3));
  CU_ASSERT_EQUAL(mio_completion_status_bytes_transferred(&s[1]), 4);
  CU_ASSERT_EQUAL(mio_completion_status_token(&s[1]), 5);
  CU_ASSERT_PTR_EQUAL(mio_completion_status_overlapped(&s[1]), FAKE_OVERLAPPED(6));
  CU_ASSERT_EQUAL(mio_completion_status_bytes_transferred(&s[2]), 0);
  CU_ASSERT_EQUAL(mio_completion_status_token(&s[2]), 0);
  CU_ASSERT_PTR_NULL(mio_completion_status_overlapped(&s[2]));
}

/** The tests of this file: suite "crate_tests". */
CU_TestInfo suite_crate_tests[] = {
    {"IOCP-TEST-1: a port made on one thread is used and closed on others", test_iocp_test_1},
    {"IOCP-TEST-2: upstream's get_many test, two posts in four slots", test_iocp_test_2},
    CU_TEST_INFO_NULL};
