/**
 * @file test_model.c
 * @brief Suite model: the POSIX model's own call.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <unistd.h>

#include "support.h"

/** @verifies{OS-FILE-1} */
void test_os_file_1(void) {
  int fds[2];
  CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
  HANDLE h = iocp_model_handle_from_fd(fds[0], FILE_FLAG_OVERLAPPED);
  CU_ASSERT_PTR_NOT_NULL_FATAL(h);
  CU_ASSERT_TRUE(CloseHandle(h));
  CU_ASSERT_EQUAL(fcntl(fds[0], F_GETFD), -1); /* closed with the handle */
  CU_ASSERT_EQUAL(errno, EBADF);
  CU_ASSERT_PTR_NULL(iocp_model_handle_from_fd(-1, 0));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_PARAMETER);
  CU_ASSERT_PTR_NULL(iocp_model_handle_from_fd(fds[1], 0x1));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_PARAMETER);
  CU_ASSERT_NOT_EQUAL(fcntl(fds[1], F_GETFD), -1); /* refused: not taken */
  close(fds[1]);
}

struct blocked_read {
  HANDLE h;
  atomic_int started;
  BOOL ok;
  DWORD done;
  char buf[8];
};

static void *read_blocking(void *arg) {
  struct blocked_read *r = arg;
  atomic_store(&r->started, 1);
  r->ok = ReadFile(r->h, r->buf, sizeof r->buf, &r->done, NULL);
  return NULL;
}

/** @verifies{OS-FILE-2} */
void test_os_file_2(void) {
  static struct blocked_read r;
  int fds[2], other[2];
  CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
  r = (struct blocked_read){.h = iocp_model_handle_from_fd(fds[0], 0)};
  CU_ASSERT_PTR_NOT_NULL_FATAL(r.h);
  support_thread *t = support_thread_start(read_blocking, &r);
  while (!atomic_load(&r.started)) support_sleep_ms(1);
  support_sleep_ms(100); /* inside ReadFile, blocked on the empty pipe */
  CU_ASSERT_TRUE(CloseHandle(r.h));
  CU_ASSERT_NOT_EQUAL(fcntl(fds[0], F_GETFD), -1); /* still the call's: not closed, */
  CU_ASSERT_EQUAL_FATAL(pipe(other), 0);
  CU_ASSERT(other[0] != fds[0] && other[1] != fds[0]); /* so not reused */
  CU_ASSERT_EQUAL(write(fds[1], "ok", 2), 2);
  support_thread_join(t);
  CU_ASSERT_TRUE(r.ok); /* the call finished on its own file */
  CU_ASSERT_EQUAL(r.done, 2);
  CU_ASSERT_EQUAL(fcntl(fds[0], F_GETFD), -1); /* and the descriptor went with it */
  close(fds[1]);
  close(other[0]);
  close(other[1]);
}

/** @verifies{OS-FILE-3} */
void test_os_file_3(void) {
  int fds[2];
  CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
  int flags = fcntl(fds[0], F_GETFL);
  iocp_model_inject_fault(IOCP_MODEL_FAULT_THREAD, 1);
  CU_ASSERT_PTR_NULL(iocp_model_handle_from_fd(fds[0], FILE_FLAG_OVERLAPPED));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_NO_SYSTEM_RESOURCES);
  iocp_model_inject_fault(IOCP_MODEL_FAULT_DESCRIPTOR, 1);
  CU_ASSERT_PTR_NULL(iocp_model_handle_from_fd(fds[0], FILE_FLAG_OVERLAPPED));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_TOO_MANY_OPEN_FILES);
  CU_ASSERT_EQUAL(fcntl(fds[0], F_GETFL), flags); /* untouched, still the caller's */
  HANDLE h = iocp_model_handle_from_fd(fds[0], FILE_FLAG_OVERLAPPED); /* nothing was left half made */
  CU_ASSERT_PTR_NOT_NULL_FATAL(h);
  static OVERLAPPED r;
  static char buf[4];
  CU_ASSERT_EQUAL(write(fds[1], "io", 2), 2);
  DWORD done = 0;
  CU_ASSERT_TRUE(ReadFile(h, buf, sizeof buf, &done, &r));
  CU_ASSERT_EQUAL(done, 2);
  CU_ASSERT_TRUE(CloseHandle(h));
  close(fds[1]);
}

/** The tests of this file: suite "model". */
CU_TestInfo suite_model[] = {{"OS-FILE-1", test_os_file_1},
                             {"OS-FILE-2", test_os_file_2},
                             {"OS-FILE-3", test_os_file_3},
                             CU_TEST_INFO_NULL};
