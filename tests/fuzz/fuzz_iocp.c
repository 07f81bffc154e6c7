/**
 * @file fuzz_iocp.c
 * @brief Differential fuzzer: operation sequences checked against a plain
 *        reference model, on the POSIX model and, replayed, on real Win32.
 *
 * An input is a sequence of operations on two port slots and two pipe pairs
 * (four file ends): new, post, get_many (lengths 1 to 4, zero timeout),
 * add_handle, overlapped read and write, close of a port, close of a file
 * end (the other end sees it), and a new pair.  Each byte pair is one step:
 * the first picks the operation and its object, the second its argument.
 * Every step's result is checked against the reference model below, which
 * knows only queues, associations, buffered bytes and error codes: what the
 * spec says, written plainly.  Operations on a closed slot are skipped, since
 * Windows may give a new object a closed handle's value (OS-HANDLE-2).
 *
 * Built three ways from this one file (see the Makefile): as a libFuzzer
 * target on the model (clang -fsanitize=fuzzer,address,undefined); as a
 * replay driver on the model; and as the same replay driver cross-built with
 * mingw-w64, run under Wine.  The replay driver prints one trace line per
 * step, so the two substrates' traces can be compared line by line.
 *
 * Replay usage: `fuzz_replay [--trace] [FILE...]`, the names on standard input
 * when none are given; exit 1 at the first step that differs from the
 * reference (the message names the input and step).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mio_iocp.h"
#include "pipe_pair.h"

enum { PORTS = 2, PAIRS = 2, ENDS = 2 * PAIRS, MAX_STEPS = 128, MAX_QUEUE = 512, MAX_PENDING = 8 };

/** NTSTATUS in the Internal of a read completed by a close. */
#define PIPE_BROKEN 0xC000014Bu

struct ref_packet {
  uintptr_t key;
  OVERLAPPED *ov;
  uint32_t bytes, status;
  unsigned step; /* packets of one step may come in either order */
};

struct ref_port {
  int open;
  unsigned generation; /* which port the slot holds: associations name one */
  mio_completion_port port;
  struct ref_packet queue[MAX_QUEUE];
  unsigned head, count;
};

struct ref_read {
  OVERLAPPED *ov;
  uint32_t len;
};

struct ref_end {
  int open, port; /* port: the associated slot, or -1 */
  unsigned generation; /* of the port in that slot when associated */
  HANDLE h;
  uintptr_t key;
  uint32_t buffered;  /* bytes written by the other end, not yet read */
  int peer_closed;
  struct ref_read pending[MAX_PENDING];
  unsigned npending;
};

static struct {
  struct ref_port port[PORTS];
  struct ref_end end[ENDS];
  OVERLAPPED ov[MAX_STEPS];       /* one per request: requests live until the run ends */
  char buf[MAX_STEPS][8];
  unsigned step;
  FILE *trace;
  const char *name;
  int failed;
} s;

static void fail(const char *what, unsigned long expected, unsigned long got) {
  fprintf(stderr, "fuzz: %s: step %u: %s: expected %lu, got %lu\n", s.name, s.step, what,
          expected, got);
  s.failed = 1;
}

static void check(const char *what, unsigned long expected, unsigned long got) {
  if (expected != got && !s.failed) fail(what, expected, got);
}

static void trace(const char *fmt, unsigned long a, unsigned long b, unsigned long c) {
  if (s.trace != NULL) {
    fprintf(s.trace, "%u ", s.step);
    fprintf(s.trace, fmt, a, b, c);
    fputc('\n', s.trace);
  }
}


/* ---- The reference model ---- */

static void queue_packet(int slot, unsigned generation, uintptr_t key, OVERLAPPED *ov,
                         uint32_t bytes, uint32_t status) {
  /* No port, or its handle is closed (the slot may hold a newer port): dropped. */
  if (slot < 0 || !s.port[slot].open || s.port[slot].generation != generation) return;
  struct ref_port *p = &s.port[slot];
  if (p->count == MAX_QUEUE) {
    fprintf(stderr, "fuzz: %s: the reference queue is full\n", s.name);
    abort();
  }
  p->queue[(p->head + p->count++) % MAX_QUEUE] = (struct ref_packet){key, ov, bytes, status, s.step};
}

static void complete_read(struct ref_end *e, unsigned i, uint32_t bytes, uint32_t status) {
  queue_packet(e->port, e->generation, e->key, e->pending[i].ov, bytes, status);
}

/* Bytes reach `e`: its pending reads take them in order. */
static void serve_reads(struct ref_end *e) {
  while (e->npending > 0 && e->buffered > 0) {
    uint32_t n = e->pending[0].len < e->buffered ? e->pending[0].len : e->buffered;
    e->buffered -= n;
    complete_read(e, 0, n, 0);
    memmove(&e->pending[0], &e->pending[1], --e->npending * sizeof e->pending[0]);
  }
  if (e->peer_closed && e->buffered == 0) {
    for (unsigned i = 0; i < e->npending; i++) complete_read(e, i, 0, PIPE_BROKEN);
    e->npending = 0;
  }
}

/* ---- The operations ---- */

static void op_new(int slot) {
  struct ref_port *p = &s.port[slot];
  if (p->open) return;
  check("new", 0, mio_completion_port_new(0, &p->port));
  p->open = 1;
  p->generation++;
  p->head = p->count = 0;
  trace("new port %lu", (unsigned long)slot, 0, 0);
}

static void op_post(int slot, uint8_t arg) {
  struct ref_port *p = &s.port[slot];
  if (!p->open) return;
  OVERLAPPED *ov = (OVERLAPPED *)(uintptr_t)(8u * (arg % 4u)); /* never dereferenced */
  uint32_t error = mio_completion_port_post(&p->port, mio_completion_status_new(arg, arg / 16u, ov));
  check("post", 0, error);
  queue_packet(slot, p->generation, arg / 16u, ov, arg, 0);
  trace("post port %lu bytes %lu -> %lu", (unsigned long)slot, arg, error);
}

/* Finds the dequeued packet among those the reference's front step made. */
static void match_packet(struct ref_port *p, const mio_completion_status *got) {
  unsigned step = p->queue[p->head % MAX_QUEUE].step;
  for (unsigned i = 0; i < p->count && p->queue[(p->head + i) % MAX_QUEUE].step == step; i++) {
    struct ref_packet *r = &p->queue[(p->head + i) % MAX_QUEUE];
    if (r->key == mio_completion_status_token(got) && r->ov == mio_completion_status_overlapped(got) &&
        r->bytes == mio_completion_status_bytes_transferred(got) &&
        r->status == (uint32_t)mio_completion_status_entry(got)->Internal) {
      *r = p->queue[p->head % MAX_QUEUE]; /* the front takes its place */
      p->head++;
      p->count--;
      return;
    }
  }
  fail("get_many: a packet the reference does not have next; its bytes",
       p->queue[p->head % MAX_QUEUE].bytes, mio_completion_status_bytes_transferred(got));
}

static void op_get(int slot, uint8_t arg) {
  struct ref_port *p = &s.port[slot];
  if (!p->open) return;
  mio_completion_status list[4];
  size_t len = 1 + arg % 4u, n = 0;
  const mio_duration zero = {0, 0};
  uint32_t error = mio_completion_port_get_many(&p->port, list, len, &zero, &n);
  size_t expected = p->count < len ? p->count : len;
  check("get_many result", expected ? 0 : WAIT_TIMEOUT, error);
  check("get_many count", expected, n);
  trace("get port %lu len %lu -> %lu", (unsigned long)slot, (unsigned long)len, (unsigned long)n);
  for (size_t i = 0; i < n && i < expected && !s.failed; i++) {
    trace("  packet key %lu bytes %lu status %lx", (unsigned long)mio_completion_status_token(&list[i]),
          mio_completion_status_bytes_transferred(&list[i]),
          (unsigned long)mio_completion_status_entry(&list[i])->Internal);
    match_packet(p, &list[i]);
  }
}

static void op_add(int end, uint8_t arg) {
  struct ref_end *e = &s.end[end];
  int slot = arg % PORTS;
  if (!e->open || !s.port[slot].open) return;
  uint32_t error = mio_completion_port_add_handle(&s.port[slot].port, arg / 16u, e->h);
  check("add_handle", e->port < 0 ? 0 : ERROR_INVALID_PARAMETER, error);
  if (e->port < 0) {
    e->port = slot;
    e->generation = s.port[slot].generation;
    e->key = arg / 16u;
  }
  trace("add end %lu port %lu -> %lu", (unsigned long)end, (unsigned long)slot, error);
}

static OVERLAPPED *new_request(void) {
  OVERLAPPED *ov = &s.ov[s.step];
  memset(ov, 0, sizeof *ov);
  return ov;
}

static void op_read(int end, uint8_t arg) {
  struct ref_end *e = &s.end[end];
  if (!e->open || e->npending == MAX_PENDING) return;
  uint32_t len = 1 + arg % 8u;
  OVERLAPPED *ov = new_request();
  DWORD done = 0;
  BOOL ok = ReadFile(e->h, s.buf[s.step], len, &done, ov);
  DWORD error = ok ? 0 : GetLastError();
  if (e->npending == 0 && e->buffered > 0) {
    uint32_t n = len < e->buffered ? len : e->buffered;
    check("read completes at once", 0, error);
    check("read bytes", n, done);
    e->buffered -= n;
    queue_packet(e->port, e->generation, e->key, ov, n, 0);
  } else if (e->npending == 0 && e->peer_closed) {
    check("read of a broken pipe", ERROR_BROKEN_PIPE, error);
  } else {
    check("read pends", ERROR_IO_PENDING, error);
    e->pending[e->npending++] = (struct ref_read){ov, len};
  }
  trace("read end %lu len %lu -> %lu", (unsigned long)end, len, error);
}

static void op_write(int end, uint8_t arg) {
  struct ref_end *e = &s.end[end], *peer = &s.end[end ^ 1];
  if (!e->open) return;
  uint32_t len = 1 + arg % 8u;
  OVERLAPPED *ov = new_request();
  DWORD done = 0;
  BOOL ok = WriteFile(e->h, "abcdefgh", len, &done, ov);
  DWORD error = ok ? 0 : GetLastError();
  if (e->peer_closed) {
    check("write to a closed pipe", ERROR_NO_DATA, error);
  } else {
    check("write completes at once", 0, error);
    check("write bytes", len, done);
    queue_packet(e->port, e->generation, e->key, ov, len, 0);
    peer->buffered += len;
    serve_reads(peer);
  }
  trace("write end %lu len %lu -> %lu", (unsigned long)end, len, error);
}

static void op_close_port(int slot) {
  struct ref_port *p = &s.port[slot];
  if (!p->open) return;
  check("close port", 0, mio_completion_port_close(&p->port));
  p->open = 0;
  p->count = 0;
  trace("close port %lu", (unsigned long)slot, 0, 0);
}

static void op_close_end(int end) {
  struct ref_end *e = &s.end[end], *peer = &s.end[end ^ 1];
  if (!e->open) return;
  check("close end", 1, (unsigned long)CloseHandle(e->h));
  for (unsigned i = 0; i < e->npending; i++) complete_read(e, i, 0, PIPE_BROKEN); /* OS-IO-4 */
  e->npending = 0;
  e->open = 0;
  if (peer->open) {
    peer->peer_closed = 1;
    serve_reads(peer); /* OS-IO-5 */
  }
  trace("close end %lu", (unsigned long)end, 0, 0);
}

static void op_new_pair(int pair) {
  struct ref_end *a = &s.end[2 * pair], *b = &s.end[2 * pair + 1];
  if (a->open || b->open) return;
  if (!pipe_pair(&a->h, &b->h, "fuzz")) { /* pipe_pair.h */
    fprintf(stderr, "fuzz: cannot make a pipe pair\n");
    abort();
  }
  *a = (struct ref_end){.open = 1, .port = -1, .h = a->h};
  *b = (struct ref_end){.open = 1, .port = -1, .h = b->h};
  trace("pair %lu", (unsigned long)pair, 0, 0);
}

/* Runs one input; returns 0 if every step matched the reference. */
static int run_sequence(const uint8_t *data, size_t size) {
  for (int p = 0; p < PORTS; p++) s.port[p].open = 0; /* generations go on counting */
  memset(&s.end, 0, sizeof s.end);
  s.failed = 0;
  op_new(0);
  op_new_pair(0);
  for (s.step = 1; s.step < MAX_STEPS && 2 * s.step <= size && !s.failed; s.step++) {
    uint8_t pick = data[2 * s.step - 2], arg = data[2 * s.step - 1];
    int obj = pick >> 4;
    switch (pick % 10u) {
    case 0: op_new(obj % PORTS); break;
    case 1: op_post(obj % PORTS, arg); break;
    case 2: op_get(obj % PORTS, arg); break;
    case 3: op_get(obj % PORTS, arg); break;
    case 4: op_add(obj % ENDS, arg); break;
    case 5: op_read(obj % ENDS, arg); break;
    case 6: op_write(obj % ENDS, arg); break;
    case 7: op_close_port(obj % PORTS); break;
    case 8: op_close_end(obj % ENDS); break;
    default: op_new_pair(obj % PAIRS); break;
    }
  }
  /* Drain and close everything, so that nothing leaks between inputs. */
  for (int e = 0; e < ENDS; e++) op_close_end(e);
  for (int p = 0; p < PORTS; p++) {
    while (s.port[p].open && s.port[p].count > 0 && !s.failed) op_get(p, 3);
    op_close_port(p);
  }
  return s.failed;
}


#ifdef FUZZ_LIBFUZZER
/** libFuzzer's entry point: a mismatch is a crash, so the input is kept. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  s.name = "input";
  if (run_sequence(data, size) != 0) abort();
  return 0;
}
#else
#include "sequence_files.h"

/**
 * @brief Replays each input file, printing its trace with --trace.
 * @param argc Argument count.
 * @param argv `[--trace] [FILE...]`; with no FILE, the names on standard input.
 * @return 0 if every input matched the reference, 1 if not, 2 for a file that
 *         cannot be read or no input at all.
 */
int main(int argc, char **argv) {
  int first = 1, failed = 0, inputs = 0;
  if (argc > 1 && strcmp(argv[1], "--trace") == 0) {
    s.trace = stdout;
    first = 2;
  }
  static uint8_t data[2 * MAX_STEPS];
  char line[4096];
  size_t size = 0;
  int next = first;
  for (; (s.name = sequence_next(argc, argv, first, &next, line, sizeof line)); inputs++) {
    if (sequence_read(s.name, data, sizeof data, &size) != 0) return 2;
    if (s.trace != NULL) fprintf(s.trace, "# %s\n", s.name);
    failed |= run_sequence(data, size);
  }
  if (inputs == 0) {
    fprintf(stderr, "usage: %s [--trace] [FILE...]  (no FILE: names on standard input)\n", argv[0]);
    return 2;
  }
  printf("fuzz: %d inputs replayed, %s\n", inputs, failed ? "MISMATCH" : "all match the reference");
  return failed;
}
#endif
