/**
 * @file substrate_win32.c
 * @brief The real Win32 API as a test substrate: Windows, or Wine.
 *
 * File handles are temporary files opened with or without
 * FILE_FLAG_OVERLAPPED; allocation failures cannot be injected.
 */
#include "support.h"

CU_SuiteInfo support_substrate_suites[] = {CU_SUITE_INFO_NULL};

support_substrate_kind support_substrate(void) {
  /* Wine's ntdll exports wine_get_version; Windows' does not. */
  HMODULE ntdll = GetModuleHandleA("ntdll.dll");
  return ntdll != NULL && GetProcAddress(ntdll, "wine_get_version") != NULL ? SUBSTRATE_WINE
                                                                            : SUBSTRATE_WINDOWS;
}

HANDLE support_file(int overlapped) {
  char dir[MAX_PATH], name[MAX_PATH];
  CU_ASSERT_FATAL(GetTempPathA(sizeof dir, dir) != 0);
  CU_ASSERT_FATAL(GetTempFileNameA(dir, "mio", 0, name) != 0);
  DWORD flags = FILE_FLAG_DELETE_ON_CLOSE | (overlapped ? FILE_FLAG_OVERLAPPED : 0);
  HANDLE h = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, flags, NULL);
  CU_ASSERT_FATAL(h != INVALID_HANDLE_VALUE);
  return support_track(h);
}

void support_pipe_pair(HANDLE *a, HANDLE *b) {
  static unsigned serial;
  char name[64];
  snprintf(name, sizeof name, "\\\\.\\pipe\\mio_iocp_%lu_%u", GetCurrentProcessId(), serial++);
  *a = CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED,
                        PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT, 1, 4096, 4096, 0, NULL);
  CU_ASSERT_FATAL(*a != INVALID_HANDLE_VALUE);
  support_track(*a);
  *b = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                   FILE_FLAG_OVERLAPPED, NULL);
  CU_ASSERT_FATAL(*b != INVALID_HANDLE_VALUE);
  support_track(*b);
  OVERLAPPED connect = {0}; /* the client is already there: connected at once */
  CU_ASSERT_FATAL(!ConnectNamedPipe(*a, &connect) && GetLastError() == ERROR_PIPE_CONNECTED);
}

int support_os_pipe(HANDLE *reader, HANDLE *writer) {
  (void)reader, (void)writer;
  return 0;
}

int support_fail_allocation(unsigned nth) {
  (void)nth;
  return 0;
}

void support_disarm_faults(void) {}

int support_on_window(support_window window, void (*fn)(void *), void *arg) {
  (void)window, (void)fn, (void)arg;
  return 0;
}

int support_inject_overcount(void) { return 0; }

long support_open_handles(void) { return -1; }

long support_table_slots(void) { return -1; }

static void CALLBACK set_flag(ULONG_PTR flag) { *(volatile int *)flag = 1; }

int support_queue_apc(volatile int *ran) {
  return QueueUserAPC(set_flag, GetCurrentThread(), (ULONG_PTR)ran) != 0;
}

void support_run_apcs(void) { SleepEx(0, TRUE); }

long support_packets_discarded(void) { return -1; }

long support_looks_released(void) { return -1; }

unsigned support_cpus(void) {
  SYSTEM_INFO info;
  GetSystemInfo(&info);
  return info.dwNumberOfProcessors;
}

void support_await_blocked(unsigned n) {
  (void)n;
  support_sleep_ms(SUPPORT_BLOCK_PAUSE_MS);
}
