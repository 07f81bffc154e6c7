/**
 * @file test_io.c
 * @brief Suite io: overlapped I/O through an associated handle, end to end.
 *
 * The same source runs on every substrate: a connected pair of overlapped
 * handles comes from the substrate (a named pipe on Win32, a socket pair in
 * the model).  OVERLAPPED blocks are static: a request still pending when a
 * test fails is completed at tear-down, after the test's frame is gone.
 */
#include <string.h>

#include "support.h"

/** NTSTATUS of a request whose pipe's other end is closed. */
#define STATUS_PIPE_BROKEN 0xC000014Bu

/* Dequeues until `want` statuses have arrived or 5 s have passed; returns how many. */
static size_t collect(const mio_completion_port *port, mio_completion_status *list, size_t want) {
  const mio_duration step = {0, 100000000};
  size_t got = 0;
  for (int tries = 0; got < want && tries < 50; tries++) {
    size_t n = 0;
    if (mio_completion_port_get_many(port, list + got, want - got, &step, &n) == 0) got += n;
  }
  return got;
}

/* A connected pair whose end `a` is associated with a new port under `key`. */
static mio_completion_port associated_pair(HANDLE *a, HANDLE *b, uintptr_t key) {
  support_pipe_pair(a, b);
  mio_completion_port port = support_port(0);
  CU_ASSERT_PTR_EQUAL_FATAL(CreateIoCompletionPort(*a, port.handle, key, 0), port.handle);
  return port;
}

/* A get_many that does not wait: what is queued now. */
static uint32_t poll_now(const mio_completion_port *port, mio_completion_status *s, size_t *n) {
  const mio_duration zero = {0, 0};
  return mio_completion_port_get_many(port, s, 1, &zero, n);
}

/* The pending ReadFile most tests start with. */
static void read_pending(HANDLE h, char *buf, DWORD len, OVERLAPPED *ov) {
  memset(ov, 0, sizeof *ov);
  CU_ASSERT_FALSE(ReadFile(h, buf, len, NULL, ov));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_IO_PENDING);
}

#if MIO_FEATURE_NET || MIO_FEATURE_OS_EXT
/** @verifies{IOCP-ADD-8} */
void test_iocp_add_8(void) {
  static OVERLAPPED r, w;
  static char buf[64];
  HANDLE a, b;
  support_pipe_pair(&a, &b);
  mio_completion_port port = support_port(0);
  CU_ASSERT_EQUAL_FATAL(mio_completion_port_add_handle(&port, 0x5E, a), 0);
  CU_ASSERT_EQUAL_FATAL(mio_completion_port_add_handle(&port, 0xC1, b), 0);
  read_pending(a, buf, sizeof buf, &r);
  memset(&w, 0, sizeof w);
  if (!WriteFile(b, "hello", 5, NULL, &w)) CU_ASSERT_EQUAL(GetLastError(), ERROR_IO_PENDING);
  mio_completion_status s[2];
  CU_ASSERT_EQUAL_FATAL(collect(&port, s, 2), 2);
  for (int i = 0; i < 2; i++) {
    int is_read = mio_completion_status_token(&s[i]) == 0x5E;
    CU_ASSERT_EQUAL(mio_completion_status_token(&s[i]), is_read ? 0x5Eu : 0xC1u);
    CU_ASSERT_PTR_EQUAL(mio_completion_status_overlapped(&s[i]), is_read ? &r : &w);
    CU_ASSERT_EQUAL(mio_completion_status_bytes_transferred(&s[i]), 5);
    CU_ASSERT_EQUAL((DWORD)mio_completion_status_entry(&s[i])->Internal, 0);
  }
  CU_ASSERT_NOT_EQUAL(mio_completion_status_token(&s[0]), mio_completion_status_token(&s[1]));
  CU_ASSERT_EQUAL(memcmp(buf, "hello", 5), 0);
  CU_ASSERT_EQUAL(r.InternalHigh, 5);
}
#endif

/** @verifies{OS-IO-1} */
void test_os_io_1(void) {
  static OVERLAPPED w, r;
  static char buf[64];
  HANDLE a, b;
  mio_completion_port port = associated_pair(&a, &b, 0x88);
  DWORD done = 0;
  CU_ASSERT_TRUE_FATAL(WriteFile(b, "abc", 3, &done, &w) || GetLastError() == ERROR_IO_PENDING);
  support_sleep_ms(50); /* the data is waiting */
  CU_ASSERT_TRUE(ReadFile(a, buf, sizeof buf, &done, &r)); /* completes at once */
  mio_completion_status s;
  CU_ASSERT_EQUAL_FATAL(collect(&port, &s, 1), 1); /* and still queues its packet */
  CU_ASSERT_PTR_EQUAL(mio_completion_status_overlapped(&s), &r);
  CU_ASSERT_EQUAL(mio_completion_status_bytes_transferred(&s), 3);
  static OVERLAPPED w2; /* a write that completes at once, the same */
  CU_ASSERT_TRUE(WriteFile(a, "wxyz", 4, &done, &w2));
  CU_ASSERT_EQUAL_FATAL(collect(&port, &s, 1), 1);
  CU_ASSERT_PTR_EQUAL(mio_completion_status_overlapped(&s), &w2);
  CU_ASSERT_EQUAL(mio_completion_status_bytes_transferred(&s), 4);
  CU_ASSERT_EQUAL(mio_completion_status_token(&s), 0x88);
}

/** @verifies{OS-IO-2} */
void test_os_io_2(void) {
  static OVERLAPPED r;
  static char buf[64];
  HANDLE a, b;
  mio_completion_port port = associated_pair(&a, &b, 1);
  CU_ASSERT_TRUE(support_close_handle(b));
  CU_ASSERT_FALSE(ReadFile(a, buf, sizeof buf, NULL, &r));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_BROKEN_PIPE);
  mio_completion_status s;
  size_t n = 99;
  const mio_duration wait = {0, 100000000};
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&port, &s, 1, &wait, &n), WAIT_TIMEOUT);
}

/** @verifies{OS-IO-3} */
void test_os_io_3(void) {
  static OVERLAPPED r;
  static char buf[8];
  HANDLE a, b;
  support_pipe_pair(&a, &b);
  CU_ASSERT_TRUE(support_close_handle(a));
  CU_ASSERT_FALSE(ReadFile(a, buf, sizeof buf, NULL, &r));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
  CU_ASSERT_FALSE(WriteFile(a, buf, sizeof buf, NULL, &r));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
}

/** @verifies{OS-IO-4} */
void test_os_io_4(void) {
  static OVERLAPPED r;
  static char buf[64];
  HANDLE a, b;
  mio_completion_port port = associated_pair(&a, &b, 0x5E);
  read_pending(a, buf, sizeof buf, &r);
  CU_ASSERT_TRUE(support_close_handle(a));
  mio_completion_status s;
  size_t n = 0;
  CU_ASSERT_EQUAL_FATAL(poll_now(&port, &s, &n), 0); /* queued when CloseHandle returned */
  CU_ASSERT_PTR_EQUAL(mio_completion_status_overlapped(&s), &r);
  CU_ASSERT_EQUAL(mio_completion_status_bytes_transferred(&s), 0);
  CU_ASSERT_EQUAL((DWORD)mio_completion_status_entry(&s)->Internal, STATUS_PIPE_BROKEN);
}

/** @verifies{OS-IO-5} */
void test_os_io_5(void) {
  static OVERLAPPED r;
  static char buf[64];
  HANDLE a, b;
  mio_completion_port port = associated_pair(&a, &b, 0x77);
  read_pending(a, buf, sizeof buf, &r);
  CU_ASSERT_TRUE(support_close_handle(b));
  mio_completion_status s;
  size_t n = 0;
  CU_ASSERT_EQUAL_FATAL(poll_now(&port, &s, &n), 0); /* queued when CloseHandle returned */
  CU_ASSERT_EQUAL(mio_completion_status_token(&s), 0x77);
  CU_ASSERT_PTR_EQUAL(mio_completion_status_overlapped(&s), &r);
  CU_ASSERT_EQUAL((DWORD)mio_completion_status_entry(&s)->Internal, STATUS_PIPE_BROKEN);
}

/** @verifies{OS-IO-6} */
void test_os_io_6(void) {
  static OVERLAPPED r, w;
  static char buf[64];
  HANDLE a, b;
  mio_completion_port port = associated_pair(&a, &b, 6);
  mio_completion_status s;
  read_pending(a, buf, sizeof buf, &r);
  if (!WriteFile(b, "four", 4, NULL, &w)) CU_ASSERT_EQUAL(GetLastError(), ERROR_IO_PENDING);
  CU_ASSERT_EQUAL_FATAL(collect(&port, &s, 1), 1);
  CU_ASSERT_EQUAL((DWORD)r.Internal, 0);
  CU_ASSERT_EQUAL(r.InternalHigh, 4);
  read_pending(a, buf, sizeof buf, &r); /* one byte: the least a success moves */
  if (!WriteFile(b, "1", 1, NULL, &w)) CU_ASSERT_EQUAL(GetLastError(), ERROR_IO_PENDING);
  CU_ASSERT_EQUAL_FATAL(collect(&port, &s, 1), 1);
  CU_ASSERT_EQUAL((DWORD)r.Internal, 0);
  CU_ASSERT_EQUAL(r.InternalHigh, 1);
  read_pending(a, buf, sizeof buf, &r);
  CU_ASSERT_TRUE(support_close_handle(b));
  CU_ASSERT_EQUAL_FATAL(collect(&port, &s, 1), 1);
  CU_ASSERT_EQUAL((DWORD)r.Internal, (DWORD)mio_completion_status_entry(&s)->Internal);
  CU_ASSERT_EQUAL((DWORD)r.Internal, STATUS_PIPE_BROKEN);
  CU_ASSERT_EQUAL(r.InternalHigh, 0);
}

/** @verifies{OS-IO-7} */
void test_os_io_7(void) {
  static OVERLAPPED w;
  HANDLE a, b;
  mio_completion_port port = associated_pair(&a, &b, 7);
  CU_ASSERT_TRUE(support_close_handle(b));
  memset(&w, 0, sizeof w);
  CU_ASSERT_FALSE(WriteFile(a, "lost", 4, NULL, &w));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_NO_DATA);
  mio_completion_status s;
  size_t n = 99;
  CU_ASSERT_EQUAL(poll_now(&port, &s, &n), WAIT_TIMEOUT); /* no packet for a failure at once */
}

/** @verifies{OS-IO-8} */
void test_os_io_8(void) {
  static OVERLAPPED r;
  static char buf[16];
  HANDLE a, b;
  /* The pair, and on the model a pipe too, whose closed writer shows as a hang-up. */
  for (int kind = 0; kind < 2; kind++) {
    if (kind == 0) support_pipe_pair(&a, &b);
    else if (!support_os_pipe(&a, &b)) break;
    DWORD done = 0xdeadbeef;
    CU_ASSERT_TRUE(WriteFile(b, "a", 1, &done, NULL)); /* one byte: the least that remains */
    CU_ASSERT_TRUE(support_close_handle(b));
    memset(&r, 0, sizeof r);
    done = 0xdeadbeef;
    CU_ASSERT_TRUE(ReadFile(a, buf, 0, &done, &r)); /* data remains: done at once */
    CU_ASSERT_EQUAL(done, 0);
    CU_ASSERT_TRUE(ReadFile(a, buf, sizeof buf, &done, &r));
    CU_ASSERT_EQUAL(done, 1);
    CU_ASSERT_FALSE(ReadFile(a, buf, 0, &done, &r)); /* drained and broken */
    CU_ASSERT_EQUAL(GetLastError(), ERROR_BROKEN_PIPE);
    CU_ASSERT_TRUE(support_close_handle(a));
  }
}

/** @verifies{OS-IO-9} */
void test_os_io_9(void) {
  static OVERLAPPED r, w;
  static char buf[8];
  HANDLE a, b;
  mio_completion_port port = associated_pair(&a, &b, 9);
  for (int round = 0; round < 50; round++) {
    read_pending(a, buf, sizeof buf, &r);
    memset(&w, 0, sizeof w);
    DWORD done = 0;
    BOOL ok = round % 2 == 0 ? WriteFile(b, "x", 1, &done, &w) /* overlapped, or not: the same */
                             : WriteFile(b, "x", 1, &done, NULL);
    CU_ASSERT_TRUE_FATAL(ok || (round % 2 == 0 && GetLastError() == ERROR_IO_PENDING));
    mio_completion_status s;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(poll_now(&port, &s, &n), 0); /* already queued */
    CU_ASSERT_PTR_EQUAL(mio_completion_status_overlapped(&s), &r);
  }
}

/** @verifies{OS-IO-10} */
void test_os_io_10(void) {
  static OVERLAPPED r;
  static char buf[16];
  HANDLE a, b;
  DWORD done = 0;
  support_pipe_pair(&a, &b);
  CU_ASSERT_TRUE(WriteFile(b, "hello", 5, &done, NULL));
  CU_ASSERT_EQUAL(done, 5);
  memset(&r, 0, sizeof r);
  if (!ReadFile(a, buf, sizeof buf, &done, &r)) CU_FAIL("the data is not there");
  CU_ASSERT_EQUAL(done, 5);
  CU_ASSERT_EQUAL(memcmp(buf, "hello", 5), 0);
}

/** @verifies{OS-IO-11} */
void test_os_io_11(void) {
  static OVERLAPPED r, w;
  static char buf[4];
  HANDLE a, b;
  mio_completion_port port = associated_pair(&a, &b, 11);
  mio_completion_status s;
  size_t n = 0;
  memset(&r, 0, sizeof r); /* nothing waits: it pends */
  CU_ASSERT_FALSE(ReadFile(a, buf, 0, NULL, &r));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_IO_PENDING);
  CU_ASSERT_EQUAL(poll_now(&port, &s, &n), WAIT_TIMEOUT);
  memset(&w, 0, sizeof w);
  if (!WriteFile(b, "z", 1, NULL, &w)) CU_ASSERT_EQUAL(GetLastError(), ERROR_IO_PENDING);
  CU_ASSERT_EQUAL_FATAL(collect(&port, &s, 1), 1); /* data came: done, with 0 bytes */
  CU_ASSERT_PTR_EQUAL(mio_completion_status_overlapped(&s), &r);
  CU_ASSERT_EQUAL(mio_completion_status_bytes_transferred(&s), 0);
  CU_ASSERT_EQUAL((DWORD)mio_completion_status_entry(&s)->Internal, 0);
  memset(&r, 0, sizeof r); /* the byte still waits: done at once */
  DWORD done = 0xdeadbeef;
  CU_ASSERT_TRUE(ReadFile(a, buf, 0, &done, &r));
  CU_ASSERT_EQUAL(done, 0);
  CU_ASSERT_TRUE(ReadFile(a, buf, sizeof buf, &done, &r)); /* and it is still there */
  CU_ASSERT_EQUAL(done, 1);
}

/** @verifies{OS-ASSOC-4} */
void test_os_assoc_4(void) {
  static OVERLAPPED r, w;
  static char buf[8];
  HANDLE a, b;
  support_pipe_pair(&a, &b);
  mio_completion_port port = support_port(0);
  read_pending(a, buf, sizeof buf, &r); /* before the association */
  CU_ASSERT_PTR_EQUAL_FATAL(CreateIoCompletionPort(a, port.handle, 0x44, 0), port.handle);
  if (!WriteFile(b, "hey", 3, NULL, &w)) CU_ASSERT_EQUAL(GetLastError(), ERROR_IO_PENDING);
  mio_completion_status s;
  CU_ASSERT_EQUAL_FATAL(collect(&port, &s, 1), 1);
  CU_ASSERT_EQUAL(mio_completion_status_token(&s), 0x44);
  CU_ASSERT_PTR_EQUAL(mio_completion_status_overlapped(&s), &r);
  CU_ASSERT_EQUAL(mio_completion_status_bytes_transferred(&s), 3);
  /* Many requests pending at the association, on a port whose queue has
   * moved on (one packet taken, one left): every one completes onto it,
   * after that packet, in the order they were made. */
  enum { MANY = 70 };
  static OVERLAPPED many[MANY], wm;
  static char bytes[MANY], data[MANY];
  static mio_completion_status got[MANY + 1];
  HANDLE c, d;
  support_pipe_pair(&c, &d);
  for (uintptr_t key = 1; key <= 2; key++)
    CU_ASSERT_EQUAL(mio_completion_port_post(&port, mio_completion_status_new(0, key, NULL)), 0);
  CU_ASSERT_EQUAL_FATAL(collect(&port, &s, 1), 1);
  for (int i = 0; i < MANY; i++) read_pending(c, &bytes[i], 1, &many[i]);
  CU_ASSERT_PTR_EQUAL_FATAL(CreateIoCompletionPort(c, port.handle, 0x55, 0), port.handle);
  memset(data, 'm', sizeof data);
  if (!WriteFile(d, data, MANY, NULL, &wm)) CU_ASSERT_EQUAL(GetLastError(), ERROR_IO_PENDING);
  CU_ASSERT_EQUAL_FATAL(collect(&port, got, MANY + 1), MANY + 1);
  CU_ASSERT_EQUAL(mio_completion_status_token(&got[0]), 2);
  for (int i = 0; i < MANY; i++) {
    CU_ASSERT_EQUAL(mio_completion_status_token(&got[i + 1]), 0x55);
    CU_ASSERT_PTR_EQUAL(mio_completion_status_overlapped(&got[i + 1]), &many[i]);
    CU_ASSERT_EQUAL(mio_completion_status_bytes_transferred(&got[i + 1]), 1);
  }
  /* Writes pending at the association count too: three of 1 MiB, more than
   * a pipe holds, complete onto the port, in order, as the other end reads. */
  enum { BIG = 1 << 20, WRITES = 3 };
  static char big[BIG], sink[BIG];
  static OVERLAPPED wr[WRITES], rd;
  HANDLE e, f;
  support_pipe_pair(&e, &f);
  for (int i = 0; i < WRITES; i++) {
    CU_ASSERT_FALSE_FATAL(WriteFile(e, big, BIG, NULL, &wr[i]));
    CU_ASSERT_EQUAL_FATAL(GetLastError(), ERROR_IO_PENDING);
  }
  CU_ASSERT_PTR_EQUAL_FATAL(CreateIoCompletionPort(e, port.handle, 0x66, 0), port.handle);
  CU_ASSERT_PTR_EQUAL_FATAL(CreateIoCompletionPort(f, port.handle, 0x67, 0), port.handle);
  size_t read_total = 0;
  int writes_done = 0, reading = 0;
  while (writes_done < WRITES || read_total < (size_t)WRITES * BIG) {
    if (!reading) { /* one read at a time; its packet comes even if it completes at once */
      memset(&rd, 0, sizeof rd);
      CU_ASSERT_FATAL(ReadFile(f, sink, BIG, NULL, &rd) || GetLastError() == ERROR_IO_PENDING);
      reading = 1;
    }
    CU_ASSERT_FATAL(collect(&port, &s, 1) == 1);
    if (mio_completion_status_token(&s) == 0x67) {
      read_total += mio_completion_status_bytes_transferred(&s);
      reading = 0;
      continue;
    }
    CU_ASSERT_EQUAL_FATAL(mio_completion_status_token(&s), 0x66);
    CU_ASSERT_PTR_EQUAL(mio_completion_status_overlapped(&s), &wr[writes_done]);
    CU_ASSERT_EQUAL(mio_completion_status_bytes_transferred(&s), BIG);
    writes_done++;
  }
  CU_ASSERT_EQUAL(read_total, (size_t)WRITES * BIG);
  CU_ASSERT_EQUAL(writes_done, WRITES);
}

/** The tests of this file: suite "io". */
CU_TestInfo suite_io[] = {
#if MIO_FEATURE_NET || MIO_FEATURE_OS_EXT
    {"IOCP-ADD-8: reads and writes complete with their handle's token", test_iocp_add_8},
#endif
    {"OS-IO-1: a request done at once still queues its packet", test_os_io_1},
    {"OS-IO-2: a request failed at once queues none", test_os_io_2},
    {"OS-IO-3: a closed handle reads and writes nothing", test_os_io_3},
    {"OS-IO-4: closing a handle completes its pending read", test_os_io_4},
    {"OS-IO-5: the other end's close completes a pending read", test_os_io_5},
    {"OS-IO-6: the OVERLAPPED holds the status and the count", test_os_io_6},
    {"OS-IO-7: a write to a closed pipe fails with 232", test_os_io_7},
    {"OS-IO-8: a 0-byte read after the close: data, then 109", test_os_io_8},
    {"OS-IO-9: a write returns after the reads it satisfied queued", test_os_io_9},
    {"OS-IO-10: a write without OVERLAPPED is synchronous", test_os_io_10},
    {"OS-IO-11: a 0-byte read pends until data arrives", test_os_io_11},
    {"OS-ASSOC-4: requests pending at association complete onto the port", test_os_assoc_4},
    CU_TEST_INFO_NULL};
