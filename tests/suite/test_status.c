/**
 * @file test_status.c
 * @brief Suite completion_status: the CompletionStatus type and its methods.
 */
#include <stdalign.h>
#include <string.h>

#include "support.h"

/** @verifies{IOCP-CS-1} */
void test_iocp_cs_1(void) {
  CU_ASSERT_EQUAL(sizeof(mio_completion_status), sizeof(OVERLAPPED_ENTRY));
  CU_ASSERT_EQUAL(alignof(mio_completion_status), alignof(OVERLAPPED_ENTRY));
  CU_ASSERT_EQUAL(offsetof(mio_completion_status, entry.lpCompletionKey),
                  offsetof(OVERLAPPED_ENTRY, lpCompletionKey));
  CU_ASSERT_EQUAL(offsetof(mio_completion_status, entry.lpOverlapped),
                  offsetof(OVERLAPPED_ENTRY, lpOverlapped));
  CU_ASSERT_EQUAL(offsetof(mio_completion_status, entry.Internal),
                  offsetof(OVERLAPPED_ENTRY, Internal));
  CU_ASSERT_EQUAL(offsetof(mio_completion_status, entry.dwNumberOfBytesTransferred),
                  offsetof(OVERLAPPED_ENTRY, dwNumberOfBytesTransferred));
  /* Two statuses in an array sit where two entries would. */
  mio_completion_status two[2];
  CU_ASSERT_EQUAL((char *)&two[1] - (char *)&two[0], (ptrdiff_t)sizeof(OVERLAPPED_ENTRY));
}

/** @verifies{IOCP-CS-2} */
void test_iocp_cs_2(void) {
  static const char text[] = "CompletionStatus(OVERLAPPED_ENTRY)";
  mio_completion_status a = mio_completion_status_zero();
  mio_completion_status b = mio_completion_status_new(7, 8, FAKE_OVERLAPPED(9));
  char buf[64];
  memset(buf, 'x', sizeof buf);
  CU_ASSERT_EQUAL(mio_completion_status_debug(&a, buf, sizeof buf), 0);
  CU_ASSERT_STRING_EQUAL(buf, text);
  memset(buf, 'x', sizeof buf);
  CU_ASSERT_EQUAL(mio_completion_status_debug(&b, buf, sizeof text), 0);
  CU_ASSERT_STRING_EQUAL(buf, text);
}

/** @verifies{IOCP-CS-3} */
void test_iocp_cs_3(void) {
  mio_completion_status s = mio_completion_status_zero();
  char buf[64];
  CU_ASSERT_EQUAL(mio_completion_status_debug(NULL, buf, sizeof buf), ERROR_INVALID_PARAMETER);
  CU_ASSERT_EQUAL(mio_completion_status_debug(&s, NULL, sizeof buf), ERROR_INVALID_PARAMETER);
}

/** @verifies{IOCP-CS-4} */
void test_iocp_cs_4(void) {
  mio_completion_status s = mio_completion_status_zero();
  char buf[35], before[35];
  memset(buf, 'x', sizeof buf);
  memcpy(before, buf, sizeof buf);
  CU_ASSERT_EQUAL(mio_completion_status_debug(&s, buf, 34), ERROR_INSUFFICIENT_BUFFER);
  CU_ASSERT_EQUAL(mio_completion_status_debug(&s, buf, 0), ERROR_INSUFFICIENT_BUFFER);
  CU_ASSERT_EQUAL(memcmp(buf, before, sizeof buf), 0);
  CU_ASSERT_EQUAL(mio_completion_status_debug(&s, buf, 35), 0);
}

/* Lets the compiler assume that anything may read *p, so the pattern stays. */
static void *volatile escaped;
static void escape(void *p) { escaped = p; }

/** @verifies{IOCP-CSN-1} */
void test_iocp_csn_1(void) {
  mio_completion_status d; /* Internal is 0 even where garbage was */
  memset(&d, 0xA5, sizeof d);
  escape(&d);
  d = mio_completion_status_new(1, 2, NULL);
  CU_ASSERT_EQUAL(d.entry.Internal, 0);
  mio_completion_status s = mio_completion_status_new(0xFFFFFFFFu, UINTPTR_MAX,
                                                      FAKE_OVERLAPPED(~(uintptr_t)0xF));
  CU_ASSERT_EQUAL(s.entry.dwNumberOfBytesTransferred, 0xFFFFFFFFu);
  CU_ASSERT_EQUAL(s.entry.lpCompletionKey, UINTPTR_MAX);
  CU_ASSERT_PTR_EQUAL(s.entry.lpOverlapped, FAKE_OVERLAPPED(~(uintptr_t)0xF));
  CU_ASSERT_EQUAL(s.entry.Internal, 0);
}

#if MIO_FEATURE_OS_EXT
/** @verifies{IOCP-CSE-1} */
void test_iocp_cse_1(void) {
  OVERLAPPED_ENTRY e;
  memset(&e, 0, sizeof e);
  e.dwNumberOfBytesTransferred = 11;
  e.lpCompletionKey = 22;
  e.lpOverlapped = FAKE_OVERLAPPED(33);
  const mio_completion_status *s = mio_completion_status_from_entry(&e);
  CU_ASSERT_PTR_EQUAL((const void *)s, (const void *)&e);
  CU_ASSERT_EQUAL(mio_completion_status_bytes_transferred(s), 11);
  CU_ASSERT_EQUAL(mio_completion_status_token(s), 22);
  e.lpCompletionKey = 44; /* no copy: a later write shows through */
  CU_ASSERT_EQUAL(mio_completion_status_token(s), 44);
}

/** @verifies{IOCP-CSE-2} */
void test_iocp_cse_2(void) { CU_ASSERT_PTR_NULL(mio_completion_status_from_entry(NULL)); }
#endif

/** @verifies{IOCP-CSZ-1} */
void test_iocp_csz_1(void) {
  mio_completion_status z = mio_completion_status_zero();
  mio_completion_status n = mio_completion_status_new(0, 0, NULL);
  CU_ASSERT_EQUAL(z.entry.dwNumberOfBytesTransferred, n.entry.dwNumberOfBytesTransferred);
  CU_ASSERT_EQUAL(z.entry.lpCompletionKey, n.entry.lpCompletionKey);
  CU_ASSERT_PTR_EQUAL(z.entry.lpOverlapped, n.entry.lpOverlapped);
  CU_ASSERT_EQUAL(z.entry.Internal, n.entry.Internal);
  CU_ASSERT_EQUAL(z.entry.dwNumberOfBytesTransferred, 0);
  CU_ASSERT_EQUAL(z.entry.lpCompletionKey, 0);
  CU_ASSERT_PTR_NULL(z.entry.lpOverlapped);
  CU_ASSERT_EQUAL(z.entry.Internal, 0);
}

/* A status whose four fields all differ, so a swapped accessor shows. */
static mio_completion_status distinct(void) {
  mio_completion_status s;
  memset(&s, 0, sizeof s);
  s.entry.lpCompletionKey = 0x1111;
  s.entry.lpOverlapped = FAKE_OVERLAPPED(0x2222);
  s.entry.Internal = 0x3333;
  s.entry.dwNumberOfBytesTransferred = 0x4444;
  return s;
}

/** @verifies{IOCP-CSA-1} */
void test_iocp_csa_1(void) {
  mio_completion_status s = distinct();
  CU_ASSERT_EQUAL(mio_completion_status_bytes_transferred(&s), 0x4444);
}

/** @verifies{IOCP-CSA-2} */
void test_iocp_csa_2(void) {
  mio_completion_status s = distinct();
  CU_ASSERT_EQUAL(mio_completion_status_token(&s), 0x1111);
}

/** @verifies{IOCP-CSA-3} */
void test_iocp_csa_3(void) {
  mio_completion_status s = distinct();
  CU_ASSERT_PTR_EQUAL(mio_completion_status_overlapped(&s), FAKE_OVERLAPPED(0x2222));
}

/** @verifies{IOCP-CSA-4} */
void test_iocp_csa_4(void) {
  mio_completion_status s = distinct();
  const OVERLAPPED_ENTRY *e = mio_completion_status_entry(&s);
  CU_ASSERT_PTR_EQUAL((const void *)e, (const void *)&s);
  CU_ASSERT_EQUAL(e->Internal, 0x3333);
  CU_ASSERT_EQUAL(e->lpCompletionKey, 0x1111);
}

/** @verifies{IOCP-CSA-5} */
void test_iocp_csa_5(void) {
  CU_ASSERT_EQUAL(mio_completion_status_bytes_transferred(NULL), 0);
  CU_ASSERT_EQUAL(mio_completion_status_token(NULL), 0);
  CU_ASSERT_PTR_NULL(mio_completion_status_overlapped(NULL));
  CU_ASSERT_PTR_NULL(mio_completion_status_entry(NULL));
}

/** The tests of this file: suite "completion_status". */
CU_TestInfo suite_completion_status[] = {
    {"IOCP-CS-1: a status is laid out as an OVERLAPPED_ENTRY", test_iocp_cs_1},
    {"IOCP-CS-2: Debug prints CompletionStatus(OVERLAPPED_ENTRY)", test_iocp_cs_2},
    {"IOCP-CS-3: Debug refuses NULL", test_iocp_cs_3},
    {"IOCP-CS-4: Debug refuses a short buffer with 122", test_iocp_cs_4},
    {"IOCP-CSN-1: new stores its values, Internal 0", test_iocp_csn_1},
#if MIO_FEATURE_OS_EXT
    {"IOCP-CSE-1: from_entry is the entry itself", test_iocp_cse_1},
    {"IOCP-CSE-2: from_entry of NULL is NULL", test_iocp_cse_2},
#endif
    {"IOCP-CSZ-1: zero is new(0, 0, NULL)", test_iocp_csz_1},
    {"IOCP-CSA-1: bytes_transferred reads the entry", test_iocp_csa_1},
    {"IOCP-CSA-2: token reads the entry", test_iocp_csa_2},
    {"IOCP-CSA-3: overlapped reads the entry", test_iocp_csa_3},
    {"IOCP-CSA-4: entry is the status's own address", test_iocp_csa_4},
    {"IOCP-CSA-5: a NULL status reads as 0", test_iocp_csa_5},
    CU_TEST_INFO_NULL};
