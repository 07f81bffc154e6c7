/**
 * @file bench_win32.c
 * @brief `make bench`'s Win32 row: the single-thread and ping-pong workloads of
 *        bench.c through the public API on the real Win32 IOCP, for Wine.
 *
 * Cross-built with mingw-w64 and run under Wine; it prints one JSON object,
 * `{"single": NS_PER_PACKET, "pingpong": NS_P50}`, medians of REPS runs, which
 * summary.py sets beside the model's figures of the same `make bench`.
 * Usage: `bench_win32.exe [REPS]`.
 */
#include <stdio.h>
#include <stdlib.h>

#include "mio_iocp.h"

enum { BATCH = 64, SINGLE = 20000, ROUNDS = 2000, MAX_REPS = 15 };

static double now(void) {
  static LARGE_INTEGER freq;
  LARGE_INTEGER t;
  if (freq.QuadPart == 0) QueryPerformanceFrequency(&freq);
  QueryPerformanceCounter(&t);
  return (double)t.QuadPart / (double)freq.QuadPart;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void check(uint32_t error, const char *what) {
  if (error != 0 && error != WAIT_TIMEOUT) {
    fprintf(stderr, "bench_win32: %s failed: %lu\n", what, (unsigned long)error);
    exit(2);
  }
}

/* One thread posts SINGLE packets, then drains them in batches of 64. */
static double single(void) {
  mio_completion_port port;
  mio_completion_status list[BATCH];
  const mio_duration zero = {0, 0};
  check(mio_completion_port_new(0, &port), "new");
  double t0 = now();
  for (uintptr_t i = 0; i < SINGLE; i++) check(mio_completion_port_post(&port, mio_completion_status_new(1, i, NULL)), "post");
  for (size_t got = 0, n = 0; got < SINGLE; got += n) check(mio_completion_port_get_many(&port, list, BATCH, &zero, &n), "get_many");
  double t = now() - t0;
  mio_completion_port_close(&port);
  return t / SINGLE;
}

/** The two ports of the ping-pong workload. */
typedef struct pong {
  mio_completion_port ping, back;
} pong;

static DWORD WINAPI ponger(LPVOID arg) {
  pong *p = arg;
  mio_completion_status s;
  size_t n = 0;
  SetThreadAffinityMask(GetCurrentThread(), 1);
  for (;;) {
    check(mio_completion_port_get_many(&p->ping, &s, 1, NULL, &n), "get_many");
    if (mio_completion_status_token(&s) == UINTPTR_MAX) return 0;
    check(mio_completion_port_post(&p->back, s), "post");
  }
}

/* Two threads on CPU 0 bounce one packet through two ports: the p50 round trip. */
static double ping_pong(void) {
  static double lat[ROUNDS];
  pong p;
  mio_completion_status s;
  size_t n = 0;
  check(mio_completion_port_new(0, &p.ping), "new");
  check(mio_completion_port_new(0, &p.back), "new");
  DWORD_PTR before = SetThreadAffinityMask(GetCurrentThread(), 1);
  HANDLE t = CreateThread(NULL, 0, ponger, &p, 0, NULL);
  for (int r = 0; r < ROUNDS; r++) {
    double t0 = now();
    check(mio_completion_port_post(&p.ping, mio_completion_status_new(0, 0, NULL)), "post");
    check(mio_completion_port_get_many(&p.back, &s, 1, NULL, &n), "get_many");
    lat[r] = now() - t0;
  }
  check(mio_completion_port_post(&p.ping, mio_completion_status_new(0, UINTPTR_MAX, NULL)), "post");
  WaitForSingleObject(t, INFINITE);
  CloseHandle(t);
  SetThreadAffinityMask(GetCurrentThread(), before);
  mio_completion_port_close(&p.ping);
  mio_completion_port_close(&p.back);
  qsort(lat, ROUNDS, sizeof lat[0], by_value);
  return lat[ROUNDS / 2];
}

/**
 * @brief Runs both workloads REPS times and prints their medians as JSON.
 * @param argc Argument count.
 * @param argv `[REPS]`, 5 if not given.
 * @return 0, or 2 if a call fails.
 */
int main(int argc, char **argv) {
  int reps = argc > 1 ? atoi(argv[1]) : 5;
  double a[MAX_REPS], b[MAX_REPS];
  if (reps < 1 || reps > MAX_REPS) reps = 5;
  for (int r = 0; r < reps; r++) {
    a[r] = single();
    b[r] = ping_pong();
  }
  qsort(a, (size_t)reps, sizeof a[0], by_value);
  qsort(b, (size_t)reps, sizeof b[0], by_value);
  printf("{\"single\": %.6g, \"pingpong\": %.6g, \"reps\": %d}\n", a[reps / 2], b[reps / 2], reps);
  return 0;
}
