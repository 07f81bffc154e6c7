/**
 * @file test_version.c
 * @brief Suite version: the library says which release it is, and which mio.
 */
#include <stdio.h>
#include <string.h>

#include "support.h"

/** @verifies{IOCP-VER-1} */
void test_iocp_ver_1(void) {
  const char *linked = mio_iocp_version();
  CU_ASSERT_PTR_NOT_NULL_FATAL(linked);
  CU_ASSERT_STRING_EQUAL(linked, MIO_IOCP_VERSION_STRING);
  char expect[64];
  snprintf(expect, sizeof expect, "%d.%d.%d+mio.1.1.0", MIO_IOCP_VERSION_MAJOR,
           MIO_IOCP_VERSION_MINOR, MIO_IOCP_VERSION_PATCH);
  CU_ASSERT_STRING_EQUAL(linked, expect);
  CU_ASSERT_STRING_EQUAL(MIO_IOCP_MIO_VERSION, "1.1.0");
}

/** The suite's table. */
CU_TestInfo suite_version[] = {
    {"IOCP-VER-1: the version names the release and mio 1.1.0", test_iocp_ver_1},
    CU_TEST_INFO_NULL};
