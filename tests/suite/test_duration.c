/**
 * @file test_duration.c
 * @brief Suite duration_millis: IOCP-DM-1 to IOCP-DM-9.
 */
#include "support.h"

static uint32_t millis(uint64_t secs, uint32_t nanos) {
  mio_duration d = {secs, nanos};
  return mio_duration_millis(&d);
}

/** @verifies{IOCP-DM-1} */
void test_iocp_dm_1(void) { CU_ASSERT_EQUAL(mio_duration_millis(NULL), INFINITE); }

/** @verifies{IOCP-DM-2} */
void test_iocp_dm_2(void) { CU_ASSERT_EQUAL(millis(0, 0), 0); }

/** @verifies{IOCP-DM-3} */
void test_iocp_dm_3(void) {
  CU_ASSERT_EQUAL(millis(0, 1), 1);
  CU_ASSERT_EQUAL(millis(0, 500000), 1);
  CU_ASSERT_EQUAL(millis(0, 999999), 1);
}

/** @verifies{IOCP-DM-4} */
void test_iocp_dm_4(void) {
  CU_ASSERT_EQUAL(millis(0, 1000000), 1);
  CU_ASSERT_EQUAL(millis(0, 999000000), 999);
  CU_ASSERT_EQUAL(millis(5, 0), 5000);
  CU_ASSERT_EQUAL(millis(4294967, 294000000), 4294967294u);
}

/** @verifies{IOCP-DM-5} */
void test_iocp_dm_5(void) {
  CU_ASSERT_EQUAL(millis(0, 1000001), 2);
  CU_ASSERT_EQUAL(millis(0, 1500000), 2);
  CU_ASSERT_EQUAL(millis(0, 1999999), 2);
  CU_ASSERT_EQUAL(millis(1, 999999999), 2000);
  CU_ASSERT_EQUAL(millis(2, 1), 2001);
}

/** @verifies{IOCP-DM-6} */
void test_iocp_dm_6(void) {
  CU_ASSERT_EQUAL(millis(4294968, 0), UINT32_MAX);
  CU_ASSERT_EQUAL(millis(50u * 86400u, 0), UINT32_MAX);
  CU_ASSERT_EQUAL(millis(UINT64_MAX / 1000u, 0), UINT32_MAX);
  CU_ASSERT_EQUAL(millis(UINT64_MAX, 0), UINT32_MAX);
}

/** @verifies{IOCP-DM-7} */
void test_iocp_dm_7(void) {
  CU_ASSERT_EQUAL(millis(4294967, 294000001), INFINITE);
  CU_ASSERT_EQUAL(millis(4294967, 295000000), INFINITE);
  CU_ASSERT_EQUAL(millis(4294967, 294000001), mio_duration_millis(NULL));
}

/** @verifies{IOCP-DM-8} */
void test_iocp_dm_8(void) {
  CU_ASSERT_EQUAL(millis(UINT64_MAX, 999999999), UINT32_MAX);
  CU_ASSERT_EQUAL(millis(UINT64_MAX, 1), UINT32_MAX);
  /* secs * 1000 would wrap a 64-bit integer round to 384 ms: still saturates. */
  CU_ASSERT_EQUAL(millis(18446744073709552ull, 0), UINT32_MAX);
}

/** @verifies{IOCP-DM-9} */
void test_iocp_dm_9(void) {
  CU_ASSERT_EQUAL(millis(0, 1000000000), 1000);
  CU_ASSERT_EQUAL(millis(0, 1500000001), 1501);
  CU_ASSERT_EQUAL(millis(0, UINT32_MAX), 4295);
  CU_ASSERT_EQUAL(millis(1, 2000000000), 3000);
  CU_ASSERT_EQUAL(millis(UINT64_MAX, UINT32_MAX), UINT32_MAX);
}

/** The tests of this file: suite "duration_millis". */
CU_TestInfo suite_duration_millis[] = {
    {"IOCP-DM-1: no timeout is INFINITE", test_iocp_dm_1},
    {"IOCP-DM-2: a zero timeout is 0 ms", test_iocp_dm_2},
    {"IOCP-DM-3: under a millisecond rounds up to 1", test_iocp_dm_3},
    {"IOCP-DM-4: whole milliseconds pass unchanged", test_iocp_dm_4},
    {"IOCP-DM-5: a fraction rounds up, never to the nearest", test_iocp_dm_5},
    {"IOCP-DM-6: past UINT32_MAX ms saturates", test_iocp_dm_6},
    {"IOCP-DM-7: about 49.7 days or more reads as INFINITE", test_iocp_dm_7},
    {"IOCP-DM-8: Duration::MAX saturates without overflow", test_iocp_dm_8},
    {"IOCP-DM-9: a nanos field of a second or more carries into secs", test_iocp_dm_9},
    CU_TEST_INFO_NULL};
