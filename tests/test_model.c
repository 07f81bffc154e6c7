/**
 * @file test_model.c
 * @brief Suite model: the POSIX model's own call.
 */
#include <errno.h>
#include <fcntl.h>
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

/** The tests of this file: suite "model". */
CU_TestInfo suite_model[] = {{"OS-FILE-1", test_os_file_1}, CU_TEST_INFO_NULL};
