/**
 * @file diff_c.c
 * @brief The C side of `make diff-upstream`: the same sequences as
 *        diff_rust.rs, through the mio_* API, one trace line per step.
 *
 * **The sequence format** is the fuzz corpus's (tests/fuzz/fuzz_iocp.c), so
 * that corpus drives the differential too: after a first step 0 (port slot 0
 * and pipe pair 0 made), each byte pair (pick, arg) is one step, up to 127;
 * `pick % 10` is the operation and `pick >> 4` its object (a port slot of 2, a
 * pipe end of 4, a pair of 2).  The differential reads more of `arg` than the
 * fuzz reference does, which runs every get with a zero timeout:
 *  - 0 new: a port in a closed slot; in an open one, the raw-handle round
 *    trip (as_raw, into_raw, from_raw);
 *  - 1 post: bytes arg, key arg / 16, overlapped 8 * (arg % 4), never
 *    dereferenced;
 *  - 2 get: length 1 + arg % 4 and a short timeout ((arg >> 2) % 8: 0, 1 ns,
 *    999,999 ns, 1 ms, 1 ms + 1 ns, 1.5 ms, 0), or, for class 7, a zero-length
 *    list on a port of its own holding one packet;
 *  - 3 get after a post to the same port, so it never waits: a long timeout
 *    (None, Duration::MAX, 1 h, 4,294,967.294 s, 4,294,967.294000001 s,
 *    u64::MAX s, 2^32 s, 10 s + 1 ns);
 *  - 4 add_handle of an end to port slot arg % 2 with key arg / 16;
 *  - 5 and 6 an overlapped read or write of 1 + arg % 8 bytes;
 *  - 7 close of a port, 8 of a pipe end, 9 a new pair.
 * Operations on a closed slot are skipped.  At the end every end is closed and
 * every port drained with zero timeouts, then closed.
 *
 * `diff_c.exe [FILE...]` prints the trace (no FILE: the names on standard
 * input, one per line); `diff_c.exe --durations SEED COUNT`
 * prints mio_duration_millis over diff_rust.rs's boundary set and COUNT
 * random durations drawn from the same generator.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mio_iocp.h"
#include "fuzz/pipe_pair.h"
#include "fuzz/sequence_files.h"

enum { PORTS = 2, ENDS = 4, MAX_STEPS = 128 };

static struct {
  mio_completion_port port[PORTS];
  int port_open[PORTS];
  HANDLE end[ENDS]; /* NULL when closed */
  OVERLAPPED ov[MAX_STEPS]; /* one per request; they outlive the sequence */
  char buf[MAX_STEPS][8];
  unsigned step;
} s;

static void line(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("%u ", s.step);
  vprintf(fmt, ap);
  putchar('\n');
  va_end(ap);
}

static void make_pair(HANDLE *a, HANDLE *b) {
  if (!pipe_pair(a, b, "diff_c")) {
    fprintf(stderr, "diff_c: cannot make a pipe pair\n");
    exit(2);
  }
}

/* ---- Timeouts: the same classes as diff_rust.rs's timeout_of ---- */

static const mio_duration *timeout_of(uint8_t arg, int long_wait, mio_duration *d) {
  static const mio_duration shorts[8] = {{0, 0}, {0, 1}, {0, 999999}, {0, 1000000},
                                         {0, 1000001}, {0, 1500000}, {0, 0}, {0, 0}};
  static const mio_duration longs[8] = {{0, 0}, {UINT64_MAX, 999999999}, {3600, 0},
                                        {4294967, 294000000}, {4294967, 294000001}, {UINT64_MAX, 0},
                                        {UINT64_C(1) << 32, 0}, {10, 1}};
  unsigned class = (arg >> 2) % 8u;
  if (long_wait && class == 0) return NULL;
  *d = long_wait ? longs[class] : shorts[class];
  return d;
}

static void describe(const mio_duration *t, char *out, size_t size) {
  if (t == NULL) snprintf(out, size, "none");
  else snprintf(out, size, "%" PRIu64 "s%" PRIu32 "ns", t->secs, t->nanos);
}

/* A request's OVERLAPPED is named by the step that made it; posted values as they are. */
static void ov_name(const OVERLAPPED *p, char *out, size_t size) {
  uintptr_t base = (uintptr_t)s.ov, at = (uintptr_t)p;
  if (at >= base && at < base + sizeof s.ov) snprintf(out, size, "r%u", (unsigned)((at - base) / sizeof s.ov[0]));
  else snprintf(out, size, "%" PRIuPTR, at);
}

/* ---- The operations, in diff_rust.rs's order ---- */

static void op_new(int slot) {
  if (s.port_open[slot]) {
    HANDLE seen = mio_completion_port_as_raw_handle(&s.port[slot]);
    HANDLE raw = mio_completion_port_into_raw_handle(&s.port[slot]);
    uint32_t error = mio_completion_port_from_raw_handle(raw, &s.port[slot]);
    line("roundtrip port %d -> %s", slot, error == 0 && seen == raw ? "same" : "different");
    return;
  }
  uint32_t error = mio_completion_port_new(0, &s.port[slot]);
  s.port_open[slot] = error == 0;
  line("new port %d -> %" PRIu32, slot, error);
}

static void op_post(int slot, uint8_t arg) {
  if (!s.port_open[slot]) return;
  OVERLAPPED *ov = (OVERLAPPED *)(uintptr_t)(8u * (arg % 4u));
  uint32_t error = mio_completion_port_post(&s.port[slot], mio_completion_status_new(arg, arg / 16u, ov));
  line("post port %d bytes %u key %u ov %u -> %" PRIu32, slot, arg, arg / 16u, 8u * (arg % 4u), error);
}

/* A zero-length list, on a port of its own holding one packet. */
static void op_len0(void) {
  mio_completion_port port;
  mio_completion_status list[1];
  size_t n = 0;
  const mio_duration zero = {0, 0};
  if (mio_completion_port_new(0, &port) != 0 ||
      mio_completion_port_post(&port, mio_completion_status_new(1, 1, NULL)) != 0) exit(2);
  uint32_t error = mio_completion_port_get_many(&port, list, 0, &zero, &n);
  line("get len 0 -> %" PRIu32 " removed %u", error, (unsigned)n);
  mio_completion_port_close(&port);
}

static int op_get(int slot, uint8_t arg, int long_wait) {
  if (!s.port_open[slot]) return 0;
  if (!long_wait && (arg >> 2) % 8u == 7) {
    op_len0();
    return 0;
  }
  if (long_wait) op_post(slot, arg); /* a packet is queued: the long wait returns at once */
  size_t len = 1 + arg % 4u, n = 0;
  mio_completion_status list[4];
  for (size_t i = 0; i < len; i++) list[i] = mio_completion_status_zero();
  mio_duration d;
  const mio_duration *timeout = timeout_of(arg, long_wait, &d);
  uint32_t error = mio_completion_port_get_many(&s.port[slot], list, len, timeout, &n);
  char text[64];
  describe(timeout, text, sizeof text);
  line("get port %d len %u timeout %s -> %" PRIu32 " removed %u ms %" PRIu32, slot, (unsigned)len,
       text, error, (unsigned)n, mio_duration_millis(timeout));
  for (size_t i = 0; i < n; i++) {
    const mio_completion_status *st = mio_completion_status_from_entry(mio_completion_status_entry(&list[i]));
    ov_name(mio_completion_status_overlapped(st), text, sizeof text);
    line("  packet key %" PRIuPTR " bytes %" PRIu32 " ov %s internal %" PRIxPTR,
         mio_completion_status_token(st), mio_completion_status_bytes_transferred(st), text,
         (uintptr_t)mio_completion_status_entry(st)->Internal);
  }
  return n > 0;
}

static void op_add(int end, uint8_t arg) {
  int slot = arg % PORTS;
  if (s.end[end] == NULL || !s.port_open[slot]) return;
  uint32_t error = mio_completion_port_add_handle(&s.port[slot], arg / 16u, s.end[end]);
  line("add end %d port %d key %u -> %" PRIu32, end, slot, arg / 16u, error);
}

static void op_io(int end, uint8_t arg, int write) {
  HANDLE h = s.end[end];
  if (h == NULL) return;
  DWORD len = 1 + arg % 8u, done = 0;
  OVERLAPPED *ov = &s.ov[s.step];
  memset(ov, 0, sizeof *ov);
  BOOL ok = write ? WriteFile(h, "abcdefgh", len, &done, ov) : ReadFile(h, s.buf[s.step], len, &done, ov);
  DWORD error = ok ? 0 : GetLastError();
  line("%s end %d len %lu -> %lu bytes %lu", write ? "write" : "read", end, len, error,
       error == 0 ? done : 0);
}

static void op_close_port(int slot) {
  if (!s.port_open[slot]) return;
  mio_completion_port_close(&s.port[slot]);
  s.port_open[slot] = 0;
  line("close port %d", slot);
}

static void op_close_end(int end) {
  if (s.end[end] == NULL) return;
  BOOL ok = CloseHandle(s.end[end]);
  s.end[end] = NULL;
  line("close end %d -> %d", end, ok);
}

static void op_new_pair(int pair) {
  if (s.end[2 * pair] != NULL || s.end[2 * pair + 1] != NULL) return;
  make_pair(&s.end[2 * pair], &s.end[2 * pair + 1]);
  line("pair %d", pair);
}

static void run(const uint8_t *data, size_t size) {
  s.step = 0;
  op_new(0);
  op_new_pair(0);
  for (s.step = 1; s.step < MAX_STEPS && 2 * s.step <= size; s.step++) {
    uint8_t pick = data[2 * s.step - 2], arg = data[2 * s.step - 1];
    int obj = pick >> 4;
    switch (pick % 10u) {
    case 0: op_new(obj % PORTS); break;
    case 1: op_post(obj % PORTS, arg); break;
    case 2: op_get(obj % PORTS, arg, 0); break;
    case 3: op_get(obj % PORTS, arg, 1); break;
    case 4: op_add(obj % ENDS, arg); break;
    case 5: op_io(obj % ENDS, arg, 0); break;
    case 6: op_io(obj % ENDS, arg, 1); break;
    case 7: op_close_port(obj % PORTS); break;
    case 8: op_close_end(obj % ENDS); break;
    default: op_new_pair(obj % 2); break;
    }
  }
  for (int e = 0; e < ENDS; e++) op_close_end(e);
  for (int p = 0; p < PORTS; p++) {
    while (op_get(p, 3, 0)) continue; /* until it times out */
    op_close_port(p);
  }
}

/* ---- duration_millis over diff_rust.rs's durations ---- */

/* splitmix64: the same generator as diff_rust.rs's next(). */
static uint64_t next(uint64_t *state) {
  uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static void print_millis(uint64_t secs, uint32_t nanos) {
  const mio_duration d = {secs, nanos};
  printf("%" PRIu64 " %" PRIu32 " %" PRIu32 "\n", secs, nanos, mio_duration_millis(&d));
}

static void durations(uint64_t seed, uint64_t count) {
  static const uint64_t secs[] = {0, 1, 2, 4294966, 4294967, 4294968, UINT64_C(1) << 32,
                                  UINT64_C(18446744073709551), UINT64_C(18446744073709552),
                                  UINT64_MAX / 1000, UINT64_MAX - 1, UINT64_MAX};
  static const uint32_t nanos[] = {0, 1, 999999, 1000000, 1000001, 294000000, 294000001, 295000000,
                                   999000001, 999999999, 1000000000, 1999999999, UINT32_MAX};
  printf("none %" PRIu32 "\n", mio_duration_millis(NULL));
  for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++)
    for (size_t j = 0; j < sizeof nanos / sizeof nanos[0]; j++) print_millis(secs[i], nanos[j]);
  uint64_t state = seed;
  for (uint64_t k = 0; k < count; k++) {
    uint64_t r = next(&state), sec;
    switch (r % 4) {
    case 0: sec = next(&state) % 4; break;
    case 1: sec = 4294960 + next(&state) % 16; break;
    case 2: sec = next(&state); break;
    default: sec = next(&state) % 100000; break;
    }
    uint64_t n = next(&state);
    print_millis(sec, n % 16 == 0 ? (uint32_t)n : (uint32_t)(n % 1000000000u));
  }
}

/**
 * @brief Runs each sequence file, or the durations.
 *
 * With no FILE the names come from standard input, one per line, so that no
 * command line grows with the number of sequences.
 * @param argc Argument count.
 * @param argv `[FILE...]` or `--durations SEED COUNT`.
 * @return 0, or 2 on a usage error or a file that cannot be read.
 */
int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "--durations") == 0) {
    durations(strtoull(argv[2], NULL, 10), strtoull(argv[3], NULL, 10));
    return 0;
  }
  static uint8_t data[2 * MAX_STEPS];
  char line[4096];
  size_t size = 0;
  const char *name;
  for (int next = 1; (name = sequence_next(argc, argv, 1, &next, line, sizeof line));) {
    if (sequence_read(name, data, sizeof data, &size) != 0) return 2;
    printf("# %s\n", name);
    run(data, size);
  }
  return 0;
}
