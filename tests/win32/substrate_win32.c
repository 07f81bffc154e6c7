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

int support_fail_allocation(unsigned nth) {
  (void)nth;
  return 0;
}
