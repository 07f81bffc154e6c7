/**
 * @file test_post.c
 * @brief Suite post: CompletionPort::post.
 */
#include "support.h"

static const mio_duration poll_once = {0, 0};

/** @verifies{IOCP-POST-1} */
void test_iocp_post_1(void) {
  mio_completion_port port = support_port(0);
  OVERLAPPED real = {0};
  real.Internal = 0x71;
  mio_completion_status out[3];
  mio_completion_status sent[3] = {
      mio_completion_status_new(1, 2, FAKE_OVERLAPPED(3)),
      mio_completion_status_new(0xFFFFFFFFu, UINTPTR_MAX, FAKE_OVERLAPPED(~(uintptr_t)0xF)),
      mio_completion_status_new(0, 0, &real),
  };
  sent[0].entry.Internal = 0xC0000120u; /* not a parameter of the post */
  size_t n = 0;
  for (int i = 0; i < 3; i++) CU_ASSERT_EQUAL(mio_completion_port_post(&port, sent[i]), 0);
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&port, out, 3, &poll_once, &n), 0);
  CU_ASSERT_EQUAL_FATAL(n, 3);
  for (int i = 0; i < 3; i++) {
    CU_ASSERT_EQUAL(mio_completion_status_bytes_transferred(&out[i]),
                    mio_completion_status_bytes_transferred(&sent[i]));
    CU_ASSERT_EQUAL(mio_completion_status_token(&out[i]), mio_completion_status_token(&sent[i]));
    CU_ASSERT_PTR_EQUAL(mio_completion_status_overlapped(&out[i]),
                        mio_completion_status_overlapped(&sent[i]));
    CU_ASSERT_EQUAL((DWORD)mio_completion_status_entry(&out[i])->Internal, 0);
  }
  CU_ASSERT_EQUAL(real.Internal, 0x71); /* the OVERLAPPED itself is not touched */
}

/** @verifies{IOCP-POST-2} */
void test_iocp_post_2(void) {
  mio_completion_port port = support_port(0);
  enum { COUNT = 1000 };
  static mio_completion_status out[COUNT];
  size_t n = 0, got = 0;
  for (uintptr_t t = 0; t < COUNT; t++)
    CU_ASSERT_EQUAL(mio_completion_port_post(&port, mio_completion_status_new(0, t, NULL)), 0);
  while (got < COUNT &&
         mio_completion_port_get_many(&port, out + got, COUNT - got < 7 ? COUNT - got : 7,
                                      &poll_once, &n) == 0)
    got += n; /* odd batch size: order must hold across batches */
  CU_ASSERT_EQUAL_FATAL(got, COUNT);
  for (uintptr_t t = 0; t < COUNT; t++) CU_ASSERT_EQUAL(mio_completion_status_token(&out[t]), t);
}

/** @verifies{IOCP-POST-3} */
void test_iocp_post_3(void) {
  mio_completion_port bogus = {(HANDLE)(uintptr_t)0xdead0}, open = support_port(0);
  mio_completion_port closed = open; /* a copy that outlives the close */
  mio_completion_status s = mio_completion_status_zero();
  CU_ASSERT_EQUAL(mio_completion_port_post(&bogus, s), ERROR_INVALID_HANDLE);
  CU_ASSERT_EQUAL(support_close(&open), 0);
  CU_ASSERT_EQUAL(mio_completion_port_post(&closed, s), ERROR_INVALID_HANDLE);
  CU_ASSERT_EQUAL(mio_completion_port_post(&open, s), ERROR_INVALID_HANDLE);
}

/** @verifies{IOCP-POST-4} */
void test_iocp_post_4(void) {
  CU_ASSERT_EQUAL(mio_completion_port_post(NULL, mio_completion_status_zero()),
                  ERROR_INVALID_PARAMETER);
}

/** @verifies{IOCP-POST-5} */
void test_iocp_post_5(void) {
  mio_completion_port port = support_port(0);
  mio_completion_status out[4];
  size_t n = 0;
  if (!support_fail_allocation(1)) {
    support_not_applicable("allocation failure cannot be injected into this OS");
    return;
  }
  support_fail_allocation(0);
  CU_ASSERT_EQUAL(mio_completion_port_post(&port, mio_completion_status_new(0, 1, NULL)), 0);
  support_fail_allocation(1);
  CU_ASSERT_EQUAL(mio_completion_port_post(&port, mio_completion_status_new(0, 2, NULL)),
                  ERROR_NO_SYSTEM_RESOURCES);
  CU_ASSERT_EQUAL(mio_completion_port_post(&port, mio_completion_status_new(0, 3, NULL)), 0);
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&port, out, 4, &poll_once, &n), 0);
  CU_ASSERT_EQUAL_FATAL(n, 2);
  CU_ASSERT_EQUAL(mio_completion_status_token(&out[0]), 1);
  CU_ASSERT_EQUAL(mio_completion_status_token(&out[1]), 3);
  /* A queue that must grow for the packet, and cannot, loses nothing either. */
  enum { FILL = 1000 };
  static mio_completion_status all[FILL + 1];
  uint32_t refused = 0, queued = 0;
  for (uintptr_t t = 0; t < FILL; t++) {
    support_fail_allocation(2); /* the packet may come, the memory for it not */
    uint32_t error = mio_completion_port_post(&port, mio_completion_status_new(0, t, NULL));
    if (error == 0) all[queued++].entry.lpCompletionKey = t;
    else refused += error == ERROR_NO_SYSTEM_RESOURCES;
  }
  support_fail_allocation(0);
  CU_ASSERT(refused > 0);
  CU_ASSERT_EQUAL(refused + queued, FILL);
  size_t got = 0;
  while (got <= queued && mio_completion_port_get_many(&port, out, 4, &poll_once, &n) == 0) {
    for (size_t i = 0; i < n && got + i < queued; i++)
      CU_ASSERT_EQUAL(mio_completion_status_token(&out[i]), all[got + i].entry.lpCompletionKey);
    got += n;
  }
  CU_ASSERT_EQUAL(got, queued);
}

/** The tests of this file: suite "post". */
CU_TestInfo suite_post[] = {
    {"IOCP-POST-1: post delivers its values unchanged", test_iocp_post_1},
    {"IOCP-POST-2: posts are dequeued in order", test_iocp_post_2},
    {"IOCP-POST-3: a bad or closed port gives 6", test_iocp_post_3},
    {"IOCP-POST-4: a NULL port is refused", test_iocp_post_4},
    {"IOCP-POST-5: out of memory: 1450, the queue intact", test_iocp_post_5},
    CU_TEST_INFO_NULL};
