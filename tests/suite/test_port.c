/**
 * @file test_port.c
 * @brief Suite completion_port: new, add_handle, the raw handles and close.
 */
#include <string.h>

#include "support.h"

/* Posts one status and reads it back at once: the port works. */
static void round_trip(const mio_completion_port *port, uintptr_t token) {
  mio_completion_status s = mio_completion_status_zero();
  mio_duration poll = {0, 0};
  size_t n = 99;
  CU_ASSERT_EQUAL(mio_completion_port_post(port, mio_completion_status_new(1, token, NULL)), 0);
  CU_ASSERT_EQUAL(mio_completion_port_get_many(port, &s, 1, &poll, &n), 0);
  CU_ASSERT_EQUAL(n, 1);
  CU_ASSERT_EQUAL(mio_completion_status_token(&s), token);
}

/** @verifies{IOCP-NEW-1} */
void test_iocp_new_1(void) {
  const uint32_t values[] = {0, 1, UINT32_MAX};
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
    mio_completion_port port = {NULL};
    CU_ASSERT_EQUAL(mio_completion_port_new(values[i], &port), 0);
    CU_ASSERT_PTR_NOT_NULL(port.handle);
    support_track(port.handle);
    round_trip(&port, i + 1);
  }
}

/** @verifies{IOCP-NEW-2} */
void test_iocp_new_2(void) {
  mio_completion_port a = support_port(0), b = support_port(0);
  mio_completion_status s = mio_completion_status_zero();
  mio_duration poll = {0, 0};
  size_t n = 99;
  CU_ASSERT_PTR_NOT_EQUAL(a.handle, b.handle);
  CU_ASSERT_EQUAL(mio_completion_port_post(&a, mio_completion_status_new(1, 2, NULL)), 0);
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&b, &s, 1, &poll, &n), WAIT_TIMEOUT);
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&a, &s, 1, &poll, &n), 0);
  CU_ASSERT_EQUAL(n, 1);
}

/** @verifies{IOCP-NEW-3} */
void test_iocp_new_3(void) {
  mio_completion_port port = {FAKE_OVERLAPPED(0x5A)};
  if (!support_fail_allocation(1)) {
    support_not_applicable("allocation failure cannot be injected into this OS");
    return;
  }
  CU_ASSERT_EQUAL(mio_completion_port_new(0, &port), ERROR_NO_SYSTEM_RESOURCES);
  CU_ASSERT_PTR_EQUAL(port.handle, FAKE_OVERLAPPED(0x5A));
  support_fail_allocation(0);
}

/** @verifies{IOCP-NEW-4} */
void test_iocp_new_4(void) {
  CU_ASSERT_EQUAL(mio_completion_port_new(0, NULL), ERROR_INVALID_PARAMETER);
}

#if MIO_FEATURE_NET || MIO_FEATURE_OS_EXT
/** @verifies{IOCP-ADD-1} */
void test_iocp_add_1(void) {
  static OVERLAPPED w;
  HANDLE a, b;
  support_pipe_pair(&a, &b);
  mio_completion_port port = support_port(0), other = support_port(0);
  CU_ASSERT_EQUAL(mio_completion_port_add_handle(&port, 0xC1, a), 0);
  /* Associated with this port: a's I/O completes here, under the token. */
  memset(&w, 0, sizeof w);
  if (!WriteFile(a, "x", 1, NULL, &w)) CU_ASSERT_EQUAL(GetLastError(), ERROR_IO_PENDING);
  mio_completion_status s;
  size_t n = 0;
  const mio_duration five_seconds = {5, 0}, none = {0, 0};
  CU_ASSERT_EQUAL_FATAL(mio_completion_port_get_many(&port, &s, 1, &five_seconds, &n), 0);
  CU_ASSERT_EQUAL(mio_completion_status_token(&s), 0xC1);
  CU_ASSERT_PTR_EQUAL(mio_completion_status_overlapped(&s), &w);
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&other, &s, 1, &none, &n), WAIT_TIMEOUT);
}

/** @verifies{IOCP-ADD-2} */
void test_iocp_add_2(void) {
  mio_completion_port port = support_port(0);
  CU_ASSERT_EQUAL(mio_completion_port_add_handle(&port, 1, INVALID_HANDLE_VALUE),
                  ERROR_INVALID_PARAMETER);
}

/** @verifies{IOCP-ADD-3} */
void test_iocp_add_3(void) {
  mio_completion_port port = support_port(0), other = support_port(0);
  HANDLE closed = support_file(1);
  support_untrack(closed);
  CU_ASSERT_FATAL(CloseHandle(closed));
  CU_ASSERT_EQUAL(mio_completion_port_add_handle(&port, 1, NULL), ERROR_INVALID_HANDLE);
  CU_ASSERT_EQUAL(mio_completion_port_add_handle(&port, 1, (HANDLE)(uintptr_t)0xdead0),
                  ERROR_INVALID_HANDLE);
  CU_ASSERT_EQUAL(mio_completion_port_add_handle(&port, 1, closed), ERROR_INVALID_HANDLE);
  CU_ASSERT_EQUAL(mio_completion_port_add_handle(&port, 1, other.handle), ERROR_INVALID_HANDLE);
}

/** @verifies{IOCP-ADD-4} */
void test_iocp_add_4(void) {
  mio_completion_port port = support_port(0), other = support_port(0);
  HANDLE file = support_file(1);
  CU_ASSERT_EQUAL_FATAL(mio_completion_port_add_handle(&port, 1, file), 0);
  CU_ASSERT_EQUAL(mio_completion_port_add_handle(&port, 1, file), ERROR_INVALID_PARAMETER);
  CU_ASSERT_EQUAL(mio_completion_port_add_handle(&port, 2, file), ERROR_INVALID_PARAMETER);
  CU_ASSERT_EQUAL(mio_completion_port_add_handle(&other, 1, file), ERROR_INVALID_PARAMETER);
}

/** @verifies{IOCP-ADD-5} */
void test_iocp_add_5(void) {
  mio_completion_port port = support_port(0);
  HANDLE file = support_file(0);
  CU_ASSERT_EQUAL(mio_completion_port_add_handle(&port, 1, file), ERROR_INVALID_PARAMETER);
}

/** @verifies{IOCP-ADD-6} */
void test_iocp_add_6(void) {
  HANDLE file = support_file(1);
  CU_ASSERT_EQUAL(mio_completion_port_add_handle(NULL, 1, file), ERROR_INVALID_PARAMETER);
  mio_completion_port port = support_port(0); /* the file is still free */
  CU_ASSERT_EQUAL(mio_completion_port_add_handle(&port, 1, file), 0);
}
/** @verifies{IOCP-ADD-9} */
void test_iocp_add_9(void) {
  HANDLE file = support_file(1);
  mio_completion_port emptied = support_port(0), given = support_port(0);
  CU_ASSERT_EQUAL(support_close(&emptied), 0); /* closed: its handle is NULL now */
  support_untrack(given.handle);
  support_track(mio_completion_port_into_raw_handle(&given)); /* moved out: NULL too */
  CU_ASSERT_EQUAL(mio_completion_port_add_handle(&emptied, 1, file), ERROR_INVALID_HANDLE);
  CU_ASSERT_EQUAL(mio_completion_port_add_handle(&given, 1, file), ERROR_INVALID_HANDLE);
  mio_completion_port port = support_port(0); /* the file is still free */
  CU_ASSERT_EQUAL(mio_completion_port_add_handle(&port, 1, file), 0);
}
#endif

/** @verifies{IOCP-RAW-1} */
void test_iocp_raw_1(void) {
  mio_completion_port port = support_port(0);
  HANDLE raw = mio_completion_port_as_raw_handle(&port);
  CU_ASSERT_PTR_EQUAL(raw, port.handle);
  CU_ASSERT_PTR_EQUAL(mio_completion_port_as_raw_handle(&port), raw);
  round_trip(&port, 7); /* still owned and open */
  CU_ASSERT_TRUE(PostQueuedCompletionStatus(raw, 0, 0, NULL));
}

/** @verifies{IOCP-RAW-2} */
void test_iocp_raw_2(void) {
  HANDLE raw = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(raw);
  mio_completion_port port = {NULL};
  CU_ASSERT_EQUAL(mio_completion_port_from_raw_handle(raw, &port), 0);
  CU_ASSERT_PTR_EQUAL(port.handle, raw);
  round_trip(&port, 8);
  CU_ASSERT_EQUAL(mio_completion_port_close(&port), 0);
  CU_ASSERT_FALSE(CloseHandle(raw)); /* the port closed it */
  CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
  /* Not checked on the way in; the first use reports it. */
  mio_completion_port bogus = {NULL};
  CU_ASSERT_EQUAL(mio_completion_port_from_raw_handle((HANDLE)(uintptr_t)0xdead0, &bogus), 0);
  CU_ASSERT_EQUAL(mio_completion_port_post(&bogus, mio_completion_status_zero()),
                  ERROR_INVALID_HANDLE);
}

/** @verifies{IOCP-RAW-3} */
void test_iocp_raw_3(void) {
  mio_completion_port port = support_port(0);
  HANDLE raw = mio_completion_port_into_raw_handle(&port);
  CU_ASSERT_PTR_NULL(port.handle);
  CU_ASSERT_EQUAL(mio_completion_port_close(&port), ERROR_INVALID_HANDLE);
  CU_ASSERT_TRUE(PostQueuedCompletionStatus(raw, 0, 0, NULL)); /* still open */
  support_untrack(raw);
  CU_ASSERT_TRUE(CloseHandle(raw));
}

/** @verifies{IOCP-RAW-4} */
void test_iocp_raw_4(void) {
  mio_completion_port port = support_port(0);
  HANDLE raw = port.handle;
  CU_ASSERT_EQUAL(support_close(&port), 0);
  CU_ASSERT_PTR_NULL(port.handle);
  CU_ASSERT_FALSE(PostQueuedCompletionStatus(raw, 0, 0, NULL));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
}

/** @verifies{IOCP-RAW-5} */
void test_iocp_raw_5(void) {
  CU_ASSERT_PTR_NULL(mio_completion_port_as_raw_handle(NULL));
  CU_ASSERT_PTR_NULL(mio_completion_port_into_raw_handle(NULL));
  CU_ASSERT_EQUAL(mio_completion_port_from_raw_handle(NULL, NULL), ERROR_INVALID_PARAMETER);
  CU_ASSERT_EQUAL(mio_completion_port_close(NULL), ERROR_INVALID_PARAMETER);
}

/** The tests of this file: suite "completion_port". */
CU_TestInfo suite_completion_port[] = {
    {"IOCP-NEW-1: new(0), new(1) and new(UINT32_MAX) work", test_iocp_new_1},
    {"IOCP-NEW-2: each port is its own", test_iocp_new_2},
    {"IOCP-NEW-3: an OS failure is returned, the output untouched", test_iocp_new_3},
    {"IOCP-NEW-4: a NULL output is refused", test_iocp_new_4},
#if MIO_FEATURE_NET || MIO_FEATURE_OS_EXT
    {"IOCP-ADD-1: an overlapped handle is added", test_iocp_add_1},
    {"IOCP-ADD-2: INVALID_HANDLE_VALUE is refused", test_iocp_add_2},
    {"IOCP-ADD-3: a NULL, bogus, closed or non-file handle gives 6", test_iocp_add_3},
    {"IOCP-ADD-4: a handle already added is refused", test_iocp_add_4},
    {"IOCP-ADD-5: a handle without overlapped I/O is refused", test_iocp_add_5},
    {"IOCP-ADD-6: a NULL port is refused", test_iocp_add_6},
    {"IOCP-ADD-9: an empty port gives 6, the handle left free", test_iocp_add_9},
#endif
    {"IOCP-RAW-1: as_raw_handle lends the handle", test_iocp_raw_1},
    {"IOCP-RAW-2: from_raw_handle takes ownership", test_iocp_raw_2},
    {"IOCP-RAW-3: into_raw_handle gives the handle away", test_iocp_raw_3},
    {"IOCP-RAW-4: close closes the handle", test_iocp_raw_4},
    {"IOCP-RAW-5: a NULL port is refused or gives NULL", test_iocp_raw_5},
    CU_TEST_INFO_NULL};
