/**
 * @file substrate_model.c
 * @brief The POSIX model as a test substrate.
 *
 * File handles are pipe ends given a HANDLE by iocp_model_handle_from_fd();
 * faults are injected with iocp_model_inject_fault().
 */
#include <sys/socket.h>
#include <unistd.h>

#include "support.h"

/** The model's own tests: its call (test_model.c). */
extern CU_TestInfo suite_model[];
/** The model's own tests: its resources (test_resources.c). */
extern CU_TestInfo suite_resources[];

CU_SuiteInfo support_substrate_suites[] = {
    {"model", NULL, NULL, support_setup, support_teardown, suite_model},
    {"resources", NULL, NULL, support_setup, support_teardown, suite_resources},
    CU_SUITE_INFO_NULL};

support_substrate_kind support_substrate(void) { return SUBSTRATE_MODEL; }

HANDLE support_file(int overlapped) {
  int fds[2];
  CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
  close(fds[1]);
  HANDLE h = iocp_model_handle_from_fd(fds[0], overlapped ? FILE_FLAG_OVERLAPPED : 0);
  if (h == NULL) close(fds[0]);
  CU_ASSERT_PTR_NOT_NULL_FATAL(h);
  return support_track(h);
}

void support_pipe_pair(HANDLE *a, HANDLE *b) {
  int fds[2];
  CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  *a = iocp_model_handle_from_fd(fds[0], FILE_FLAG_OVERLAPPED);
  *b = iocp_model_handle_from_fd(fds[1], FILE_FLAG_OVERLAPPED);
  CU_ASSERT_PTR_NOT_NULL_FATAL(*a);
  CU_ASSERT_PTR_NOT_NULL_FATAL(*b);
  support_track(*a);
  support_track(*b);
}

int support_os_pipe(HANDLE *reader, HANDLE *writer) {
  int fds[2];
  CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
  *reader = support_track(iocp_model_handle_from_fd(fds[0], FILE_FLAG_OVERLAPPED));
  *writer = support_track(iocp_model_handle_from_fd(fds[1], FILE_FLAG_OVERLAPPED));
  CU_ASSERT_PTR_NOT_NULL_FATAL(*reader);
  CU_ASSERT_PTR_NOT_NULL_FATAL(*writer);
  return 1;
}

int support_fail_allocation(unsigned nth) {
  iocp_model_inject_fault(IOCP_MODEL_FAULT_ALLOCATION, nth);
  return 1;
}

void support_disarm_faults(void) {
  for (int f = 0; f < IOCP_MODEL_FAULT_KINDS; f++) iocp_model_inject_fault((iocp_model_fault)f, 0);
  for (int w = 0; w < IOCP_MODEL_WINDOWS; w++) iocp_model_on_window((iocp_model_window)w, NULL, NULL);
}

int support_on_window(support_window window, void (*fn)(void *), void *arg) {
  static const iocp_model_window model[] = {[SUPPORT_WINDOW_PORT_LOOKUP] = IOCP_MODEL_WINDOW_PORT_LOOKUP,
                                            [SUPPORT_WINDOW_WOKEN] = IOCP_MODEL_WINDOW_WOKEN};
  iocp_model_on_window(model[window], fn, arg);
  return 1;
}

int support_inject_overcount(void) {
  iocp_model_inject_fault(IOCP_MODEL_FAULT_OVERCOUNT, 1);
  return 1;
}

long support_open_handles(void) {
  iocp_model_stats_t stats;
  iocp_model_stats(&stats);
  return (long)stats.handles_open;
}

long support_table_slots(void) {
  iocp_model_stats_t stats;
  iocp_model_stats(&stats);
  return (long)stats.table_slots;
}

int support_queue_apc(volatile int *ran) {
  (void)ran;
  return 0;
}

void support_run_apcs(void) {}

void support_await_blocked(unsigned n) {
  for (unsigned ms = 0;; ms++) {
    iocp_model_stats_t stats;
    iocp_model_stats(&stats);
    if (stats.threads_blocked >= n) return;
    CU_ASSERT_FATAL(ms < 30000); /* fail with the cause, long before the watchdog */
    support_sleep_ms(1);
  }
}

long support_looks_released(void) {
  iocp_model_stats_t stats;
  iocp_model_stats(&stats);
  return (long)stats.looks_released;
}

unsigned support_cpus(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (unsigned)n : 1;
}

long support_packets_discarded(void) {
  iocp_model_stats_t stats;
  iocp_model_stats(&stats);
  return (long)stats.packets_discarded;
}
