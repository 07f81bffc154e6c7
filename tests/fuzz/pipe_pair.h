/**
 * @file pipe_pair.h
 * @brief A connected pair of overlapped pipe ends on either substrate: a named
 *        pipe and its client on Win32, a socket pair with model handles on Linux.
 *
 * Shared by the programs outside the CUnit suite that need one: the fuzz
 * harness, the upstream differential's C driver and the selector scenario
 * (the suite has its own, support_pipe_pair(), which also tracks the handles).
 */
#ifndef MIO_TEST_PIPE_PAIR_H
#define MIO_TEST_PIPE_PAIR_H

#include <stdio.h>

#include "mio_iocp.h"

#ifdef _WIN32
/**
 * @brief Makes a connected pair of overlapped pipe ends.
 * @param a Receives the server end.
 * @param b Receives the client end.
 * @param tag Names the pipe, with the process ID and a serial number.
 * @return 1, or 0 if the pair cannot be made.
 */
static int pipe_pair(HANDLE *a, HANDLE *b, const char *tag) {
  static unsigned serial;
  char name[96];
  snprintf(name, sizeof name, "\\\\.\\pipe\\mio_iocp_%s_%lu_%u", tag, GetCurrentProcessId(), serial++);
  *a = CreateNamedPipeA(name, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED,
                        PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT, 1, 4096, 4096, 0, NULL);
  if (*a == INVALID_HANDLE_VALUE) return 0;
  *b = CreateFileA(name, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
  OVERLAPPED connect = {0}; /* the client is already there: connected at once */
  return *b != INVALID_HANDLE_VALUE && !ConnectNamedPipe(*a, &connect) &&
         GetLastError() == ERROR_PIPE_CONNECTED;
}
#else
#include <sys/socket.h>

static int pipe_pair(HANDLE *a, HANDLE *b, const char *tag) {
  int fds[2];
  (void)tag;
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) return 0;
  *a = iocp_model_handle_from_fd(fds[0], FILE_FLAG_OVERLAPPED);
  *b = iocp_model_handle_from_fd(fds[1], FILE_FLAG_OVERLAPPED);
  return *a != NULL && *b != NULL;
}
#endif

#endif
