/**
 * @file test_resources.c
 * @brief Suite resources: the model under exhausted resources, and what it gives back.
 *
 * OS-FAULT-1 runs every model call that takes memory, a descriptor or a
 * thread with the Nth such attempt made to fail, for N = 1, 2, ... until the
 * call succeeds without reaching the armed attempt, in the manner of
 * SQLite's malloc tests.  After each failure it checks the error code and
 * that nothing changed; the ASan and valgrind runs of the suite check that
 * nothing leaked.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "model/fault.h"
#include "model/port.h"
#include "support.h"

/** Distinct fault sites the model has: every one must be reached, and each
 *  counted once however often it is reached. */
#define FAULT_SITES 10

/** One call under test: run() returns 0 or the Win32 error; intact() checks,
 *  after a failure, that the call changed nothing. */
struct call {
  const char *name;
  DWORD (*run)(void *state);
  int (*intact)(void *state);
  void *state;
};

static iocp_model_stats_t stats(void) {
  iocp_model_stats_t s;
  iocp_model_stats(&s);
  return s;
}

static unsigned injected_runs; /* failing runs, over the whole test */

/* The exhaustive loop: the nth attempt to get a resource fails, for n = 1, 2,
 * ... until the call succeeds having made fewer than n attempts. */
static void exhaust(const struct call *c) {
  for (unsigned n = 1;; n++) {
    unsigned before = stats().faults_injected;
    iocp_model_inject_fault(IOCP_MODEL_FAULT_RESOURCE, n);
    SetLastError(0); /* a failure must set its own code */
    DWORD error = c->run(c->state);
    iocp_model_inject_fault(IOCP_MODEL_FAULT_RESOURCE, 0);
    if (stats().faults_injected == before) { /* a clean run */
      if (error != 0) fprintf(stderr, "\n%s: failed with %u and no fault\n", c->name, error);
      CU_ASSERT_EQUAL_FATAL(error, 0);
      return;
    }
    injected_runs++;
    if (error != ERROR_NO_SYSTEM_RESOURCES && error != ERROR_TOO_MANY_OPEN_FILES)
      fprintf(stderr, "\n%s: fault at attempt %u gave %u\n", c->name, n, error);
    CU_ASSERT_FATAL(error == ERROR_NO_SYSTEM_RESOURCES || error == ERROR_TOO_MANY_OPEN_FILES);
    if (!c->intact(c->state))
      fprintf(stderr, "\n%s: fault at attempt %u changed state\n", c->name, n);
    CU_ASSERT_FATAL(c->intact(c->state));
  }
}

/* Entries of a /proc directory, less "." and ".." (and `own`: its own descriptor). */
static int entries(const char *dir, int own) {
  DIR *d = opendir(dir);
  int n = 0;
  if (d == NULL) return -1;
  while (readdir(d) != NULL) n++;
  closedir(d);
  return n - 2 - own;
}

static int descriptors_open(void) { return entries("/proc/self/fd", 1); }

static int threads_running(void) { return entries("/proc/self/task", 0); }

/* The threads running once those joined have left /proc: pthread_join returns
 * when the kernel clears the thread's id, a moment before it drops the task
 * from the list.  Waits up to 10 s for `expected`; a thread left running
 * stays, and the count it returns then shows it. */
static int threads_settled(int expected) {
  int n = threads_running();
  for (int ms = 0; n != expected && ms < 10000; ms++) {
    support_sleep_ms(1);
    n = threads_running();
  }
  return n;
}

/* ---- Ports: creation, until the handle table has grown ---- */

/** Ports the fault test may hold at once while it waits for the table to grow. */
#define MAX_PORTS 600

static struct ports {
  mio_completion_port port[MAX_PORTS];
  unsigned n, open_before;
} ports;

static DWORD port_new(void *state) {
  struct ports *p = state;
  p->open_before = stats().handles_open;
  DWORD error = mio_completion_port_new(0, &p->port[p->n]);
  if (error == 0) p->n++;
  return error;
}

static int port_intact(void *state) {
  const struct ports *p = state;
  return stats().handles_open == p->open_before;
}

/* ---- Posting: until a partly taken block is full and the queue takes another ---- */

static struct posts {
  mio_completion_port port;
  uint32_t next, taken; /* the sequence number of the next post; packets taken so far */
} posts;

static DWORD post_one(void *state) {
  struct posts *p = state;
  DWORD error = mio_completion_port_post(&p->port, mio_completion_status_new(p->next, 7, NULL));
  if (error == 0) p->next++;
  return error;
}

/* Takes every packet queued, checking it is the next in sequence; returns how many. */
static uint32_t take_all(struct posts *p) {
  mio_completion_status list[16];
  const mio_duration zero = {0, 0};
  size_t n = 0;
  uint32_t taken = 0;
  while (mio_completion_port_get_many(&p->port, list, 16, &zero, &n) == 0) {
    for (size_t i = 0; i < n; i++) {
      CU_ASSERT_EQUAL(mio_completion_status_bytes_transferred(&list[i]), p->taken);
      p->taken++;
      taken++;
    }
  }
  return taken;
}

/* A failed post left the port usable.  What it queued is checked once, at
 * the end, by take_all(): a packet queued by a failed post would repeat a
 * sequence number, and one lost by a post that succeeded would leave a gap. */
static int post_intact(void *state) {
  struct posts *p = state;
  return mio_completion_port_as_raw_handle(&p->port) != NULL && stats().handles_open > 0;
}

/* ---- File handles: the first (the I/O thread starts) and a second ---- */

static struct files {
  int fds[2], flags;
  HANDLE h;
  unsigned open_before;
  int descriptors_before, threads_before;
} files;

static DWORD file_new(void *state) {
  struct files *f = state;
  f->open_before = stats().handles_open;
  f->descriptors_before = descriptors_open();
  f->threads_before = threads_running();
  f->h = iocp_model_handle_from_fd(f->fds[0], FILE_FLAG_OVERLAPPED);
  return f->h != NULL ? 0 : GetLastError();
}

static int file_intact(void *state) {
  const struct files *f = state;
  return stats().handles_open == f->open_before && fcntl(f->fds[0], F_GETFL) == f->flags &&
         descriptors_open() == f->descriptors_before && threads_settled(f->threads_before) == f->threads_before;
}

/* ---- Association, with a read already pending; and a port made for a file ---- */

static struct assoc {
  HANDLE a, b; /* a socket pair; `a` has a read pending */
  mio_completion_port port;
  HANDLE made; /* CreateIoCompletionPort(file, NULL): a port made for the file */
  OVERLAPPED ov;
  char buf[4];
  unsigned open_before;
} assoc;

static DWORD associate_pending(void *state) {
  struct assoc *s = state;
  return support_associate(&s->port, 5, s->a);
}

static DWORD create_for_file(void *state) {
  struct assoc *s = state;
  s->open_before = stats().handles_open;
  s->made = CreateIoCompletionPort(s->b, NULL, 9, 0);
  return s->made != NULL ? 0 : GetLastError();
}

/* The file is not associated: no packet reaches the port, and a later
 * association is not refused as a second one. */
static int assoc_intact(void *state) {
  const struct assoc *s = state;
  mio_completion_status list[1];
  const mio_duration zero = {0, 0};
  size_t n = 0;
  return mio_completion_port_get_many(&s->port, list, 1, &zero, &n) == WAIT_TIMEOUT &&
         s->ov.Internal == 0x103u;
}

static int made_intact(void *state) {
  const struct assoc *s = state;
  return stats().handles_open == s->open_before;
}

/* ---- Overlapped reads and writes on an associated pair ---- */

static struct io {
  HANDLE a, b;
  int fd_b; /* b's descriptor: what is waiting to be read there */
  mio_completion_port port;
  OVERLAPPED ov;
  char in[8];
  int waiting_before;
  uint32_t packets; /* queued on the port by the calls that succeeded */
  int pending;      /* the last read is waiting for data */
} io;

static int bytes_waiting(int fd) {
  int n = -1;
  return ioctl(fd, FIONREAD, &n) == 0 ? n : -1;
}

/* 0 for a call that completed or pends, else its error. */
static DWORD io_result(struct io *s, BOOL ok) {
  if (ok) s->packets++;
  else if (GetLastError() == ERROR_IO_PENDING) s->pending = 1;
  else return GetLastError();
  return 0;
}

static DWORD io_write(void *state) {
  struct io *s = state;
  s->waiting_before = bytes_waiting(s->fd_b);
  memset(&s->ov, 0, sizeof s->ov);
  return io_result(s, WriteFile(s->a, "abc", 3, NULL, &s->ov));
}

static DWORD io_read(void *state) {
  struct io *s = state;
  s->waiting_before = bytes_waiting(s->fd_b);
  memset(&s->ov, 0, sizeof s->ov);
  return io_result(s, ReadFile(s->b, s->in, sizeof s->in, NULL, &s->ov));
}

/* No byte moved for a call that failed.  The packets are counted at the end:
 * exactly one for each call that succeeded, none for those that failed. */
static int io_intact(void *state) {
  const struct io *s = state;
  return bytes_waiting(s->fd_b) == s->waiting_before;
}

/* Ports, until the handle table has had to grow (a site of its own); then
 * posts on one of them: 40 in, 30 out, and on until a second block is needed. */
static void fault_ports_and_posts(void) {
  ports.n = 0;
  unsigned slots = stats().table_slots;
  struct call new_port = {"mio_completion_port_new", port_new, port_intact, &ports};
  while (stats().table_slots == slots && ports.n < MAX_PORTS) exhaust(&new_port);
  CU_ASSERT(stats().table_slots > slots);

  posts = (struct posts){.port = ports.port[0]};
  struct call post = {"mio_completion_port_post", post_one, post_intact, &posts};
  for (int i = 0; i < 40; i++) exhaust(&post);
  mio_completion_status list[30];
  const mio_duration zero = {0, 0};
  size_t n = 0;
  CU_ASSERT_EQUAL_FATAL(mio_completion_port_get_many(&posts.port, list, 30, &zero, &n), 0);
  CU_ASSERT_EQUAL_FATAL(n, 30);
  posts.taken = 30;
  for (int i = 0; i < 300; i++) exhaust(&post); /* 340 posted: a block and more */
  CU_ASSERT_EQUAL(take_all(&posts), 310);
  CU_ASSERT_EQUAL(posts.taken, posts.next);
  for (unsigned i = 0; i < ports.n; i++) CU_ASSERT_EQUAL(mio_completion_port_close(&ports.port[i]), 0);
}

/* The first file handle starts the I/O thread; a second one does not. */
static void fault_files(void) {
  CU_ASSERT_EQUAL_FATAL(stats().io_threads, 0);
  int other[2];
  CU_ASSERT_EQUAL_FATAL(pipe(files.fds), 0);
  files.flags = fcntl(files.fds[0], F_GETFL);
  struct call new_file = {"iocp_model_handle_from_fd", file_new, file_intact, &files};
  exhaust(&new_file);
  HANDLE first = files.h;
  other[1] = files.fds[1];
  CU_ASSERT_EQUAL(stats().io_threads, 1);
  CU_ASSERT_EQUAL_FATAL(pipe(files.fds), 0);
  files.flags = fcntl(files.fds[0], F_GETFL);
  /* The table full: the second handle's insert must grow it, and a failure
   * there must take the descriptor out of the I/O thread's watch again. */
  unsigned filled = 0, room = stats().table_slots - stats().handles_open;
  mio_completion_port *filler = calloc(room, sizeof *filler);
  CU_ASSERT_PTR_NOT_NULL_FATAL(filler);
  while (filled < room && mio_completion_port_new(0, &filler[filled]) == 0) filled++;
  CU_ASSERT_EQUAL(stats().handles_open, stats().table_slots);
  exhaust(&new_file);
  for (unsigned i = 0; i < filled; i++) CU_ASSERT_EQUAL(mio_completion_port_close(&filler[i]), 0);
  free(filler);
  CU_ASSERT_TRUE(CloseHandle(files.h));
  CU_ASSERT_TRUE(CloseHandle(first));
  close(files.fds[1]);
  close(other[1]);
  CU_ASSERT_EQUAL(stats().io_threads, 0);
}

/* Association of a file with a read pending, and a port made for a file. */
static void fault_association(void) {
  int pair[2];
  CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  assoc = (struct assoc){.a = iocp_model_handle_from_fd(pair[0], FILE_FLAG_OVERLAPPED),
                         .b = iocp_model_handle_from_fd(pair[1], FILE_FLAG_OVERLAPPED)};
  CU_ASSERT_EQUAL_FATAL(mio_completion_port_new(0, &assoc.port), 0);
  CU_ASSERT_FALSE(ReadFile(assoc.a, assoc.buf, sizeof assoc.buf, NULL, &assoc.ov));
  CU_ASSERT_EQUAL(GetLastError(), ERROR_IO_PENDING);
  struct call add = {"add_handle (CreateIoCompletionPort)", associate_pending, assoc_intact, &assoc};
  exhaust(&add);
  struct call made = {"CreateIoCompletionPort(file, NULL)", create_for_file, made_intact, &assoc};
  exhaust(&made);
  /* The read pending at association completes onto the port, once. */
  DWORD written = 0;
  CU_ASSERT_TRUE(WriteFile(assoc.b, "x", 1, &written, NULL));
  mio_completion_status got[2];
  const mio_duration second = {1, 0};
  size_t n = 0;
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&assoc.port, got, 2, &second, &n), 0);
  CU_ASSERT_EQUAL(n, 1);
  CU_ASSERT_EQUAL(mio_completion_status_token(&got[0]), 5);
  CU_ASSERT_PTR_EQUAL(mio_completion_status_overlapped(&got[0]), &assoc.ov);
  CU_ASSERT_TRUE(CloseHandle(assoc.made));
  CU_ASSERT_TRUE(CloseHandle(assoc.a));
  CU_ASSERT_TRUE(CloseHandle(assoc.b));
  CU_ASSERT_EQUAL(mio_completion_port_close(&assoc.port), 0);
}

/* Reads and writes, on a port that needs a second block for their packets. */
static void fault_reads_and_writes(void) {
  int pair[2];
  CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  io = (struct io){.a = iocp_model_handle_from_fd(pair[0], FILE_FLAG_OVERLAPPED),
                   .b = iocp_model_handle_from_fd(pair[1], FILE_FLAG_OVERLAPPED),
                   .fd_b = pair[1]};
  CU_ASSERT_EQUAL_FATAL(mio_completion_port_new(0, &io.port), 0);
  CU_ASSERT_EQUAL_FATAL(support_associate(&io.port, 1, io.a), 0);
  CU_ASSERT_EQUAL_FATAL(support_associate(&io.port, 2, io.b), 0);
  struct call write = {"WriteFile", io_write, io_intact, &io};
  struct call read = {"ReadFile", io_read, io_intact, &io};
  for (int i = 0; i < 140; i++) { /* 280 packets: more than one block */
    exhaust(&write);
    exhaust(&read);
  }
  exhaust(&read); /* nothing to read: it pends, or fails having moved nothing */
  CU_ASSERT_EQUAL(io.pending, 1);
  uint32_t got = 0;
  mio_completion_status list[16];
  const mio_duration zero = {0, 0};
  size_t n = 0;
  while (mio_completion_port_get_many(&io.port, list, 16, &zero, &n) == 0) got += (uint32_t)n;
  CU_ASSERT_EQUAL(got, io.packets);
  CU_ASSERT_TRUE(CloseHandle(io.b)); /* the pending read completes, broken, onto the port */
  CU_ASSERT_EQUAL(mio_completion_port_get_many(&io.port, list, 16, &zero, &n), 0);
  CU_ASSERT_EQUAL(n, 1);
  CU_ASSERT_TRUE(CloseHandle(io.a));
  CU_ASSERT_EQUAL(mio_completion_port_close(&io.port), 0);
}

static void set_flag(void *flag) { *(int *)flag = 1; }

/** @verifies{OS-FAULT-1} */
void test_os_fault_1(void) {
  unsigned injected_before = stats().faults_injected;
  injected_runs = 0;
  fault_ports_and_posts();
  fault_files();
  fault_association();
  fault_reads_and_writes();
  /* The seams themselves: an unknown kind or window arms nothing, a NULL
   * output is ignored. */
  unsigned before = stats().faults_injected;
  iocp_model_inject_fault(IOCP_MODEL_FAULT_KINDS, 1);
  static int window_ran;
  iocp_model_on_window(IOCP_MODEL_WINDOWS, set_flag, &window_ran);
  mio_completion_port port;
  CU_ASSERT_EQUAL(mio_completion_port_new(0, &port), 0);
  CU_ASSERT_EQUAL(mio_completion_port_post(&port, mio_completion_status_new(0, 0, NULL)), 0);
  CU_ASSERT_EQUAL(mio_completion_port_close(&port), 0);
  CU_ASSERT_EQUAL(stats().faults_injected, before);
  CU_ASSERT_EQUAL(window_ran, 0);
  /* Each seam, armed alone, turns the checks on; a disarming does not. */
  atomic_store(&mio__armed, 0);
  iocp_model_inject_fault(IOCP_MODEL_FAULT_ALLOCATION, 0);
  iocp_model_on_window(IOCP_MODEL_WINDOW_WOKEN, NULL, NULL);
  CU_ASSERT_EQUAL(atomic_load(&mio__armed), 0);
  iocp_model_inject_fault(IOCP_MODEL_FAULT_ALLOCATION, 1);
  CU_ASSERT_EQUAL(atomic_load(&mio__armed), 1);
  iocp_model_inject_fault(IOCP_MODEL_FAULT_ALLOCATION, 0);
  atomic_store(&mio__armed, 0);
  iocp_model_on_window(IOCP_MODEL_WINDOW_WOKEN, set_flag, &window_ran);
  CU_ASSERT_EQUAL(atomic_load(&mio__armed), 1);
  iocp_model_on_window(IOCP_MODEL_WINDOW_WOKEN, NULL, NULL);
  iocp_model_stats(NULL);
  iocp_model_stats_t end = stats();
  printf("\n  fault injection: %u sites reached, %u faults injected in %u failing runs\n",
         end.fault_sites, end.faults_injected - injected_before, injected_runs);
  CU_ASSERT_EQUAL(end.fault_sites, FAULT_SITES);
}

/** Ports the churn test makes. */
#define CHURN_PORTS 100000
/** How many of them are open at a time. */
#define CHURN_PORTS_AT_ONCE 100
/** File handles it makes: pairs, each with a request completed on it. */
#define CHURN_FILES 10000

/* One pair of file handles: associated, a read pending and completed, closed. */
static void churn_pair(mio_completion_port *port) {
  int fds[2];
  CU_ASSERT_EQUAL_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  HANDLE a = iocp_model_handle_from_fd(fds[0], FILE_FLAG_OVERLAPPED);
  HANDLE b = iocp_model_handle_from_fd(fds[1], FILE_FLAG_OVERLAPPED);
  CU_ASSERT_FATAL(a != NULL && b != NULL);
  CU_ASSERT_EQUAL(support_associate(port, 1, a), 0);
  OVERLAPPED ov = {0};
  char buf[1];
  CU_ASSERT_FALSE(ReadFile(a, buf, 1, NULL, &ov));
  DWORD written = 0;
  CU_ASSERT_TRUE(WriteFile(b, "x", 1, &written, NULL));
  mio_completion_status s[1];
  size_t n = 0;
  const mio_duration second = {1, 0};
  CU_ASSERT_EQUAL(mio_completion_port_get_many(port, s, 1, &second, &n), 0);
  CU_ASSERT_TRUE(CloseHandle(a));
  CU_ASSERT_TRUE(CloseHandle(b));
}

/* Makes and closes `rounds` batches of ports; returns how many calls failed. */
static void *churn_ports(void *rounds) {
  mio_completion_port batch[CHURN_PORTS_AT_ONCE];
  uintptr_t failed = 0;
  for (uintptr_t round = 0; round < (uintptr_t)rounds; round++) {
    for (int i = 0; i < CHURN_PORTS_AT_ONCE; i++) failed += mio_completion_port_new(0, &batch[i]) != 0;
    for (int i = 0; i < CHURN_PORTS_AT_ONCE; i++) failed += mio_completion_port_close(&batch[i]) != 0;
  }
  return (void *)failed;
}

/* churn_ports() on a thread of its own, which says when it is done. */
struct churn {
  uintptr_t rounds;
  sem_t done;
  void *failed;
};

static void *churn_then_say(void *arg) {
  struct churn *c = arg;
  c->failed = churn_ports((void *)c->rounds);
  sem_post(&c->done);
  return NULL;
}

/* Heap in use: glibc's figures, for the arena and for mapped chunks. */
static size_t heap_in_use(void) {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

/* 10^6 ports open at once, then all closed: the handle table, the ports and
 * the heap come back to what they were (at most 1 MiB more). */
static void ports_at_once(void) {
  enum { MANY = 1000000 };
  size_t heap = heap_in_use(), failed = 0;
  HANDLE *port = malloc(MANY * sizeof *port);
  CU_ASSERT_PTR_NOT_NULL_FATAL(port);
  iocp_model_stats_t before = stats();
  for (int i = 0; i < MANY; i++)
    failed += (port[i] = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0)) == NULL;
  iocp_model_stats_t open = stats();
  for (int i = 0; i < MANY; i++) failed += !CloseHandle(port[i]);
  iocp_model_stats_t after = stats();
  /* Chunks made again after the shrink name no handle of before (OS-HANDLE-2):
   * every old handle still gives 6. */
  enum { AGAIN = 500 };
  HANDLE again[AGAIN];
  size_t stale_ok = 0;
  for (int i = 0; i < AGAIN; i++) again[i] = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
  for (int i = 0; i < MANY; i++)
    stale_ok += PostQueuedCompletionStatus(port[i], 0, 0, NULL) || GetLastError() != ERROR_INVALID_HANDLE;
  for (int i = 0; i < AGAIN; i++) failed += !CloseHandle(again[i]);
  free(port);
  CU_ASSERT_EQUAL(stale_ok, 0);
  printf("\n  %d ports at once: table slots %u -> %u -> %u, ports held %u -> %u -> %u,"
         " heap %+zd bytes", MANY, before.table_slots, open.table_slots, after.table_slots,
         before.ports_held, open.ports_held, after.ports_held,
         (ssize_t)heap_in_use() - (ssize_t)heap);
  CU_ASSERT_EQUAL(failed, 0);
  /* Signed: the count is unsigned, and a wrong count that wrapped must not pass. */
  CU_ASSERT((long long)open.ports_held - (long long)before.ports_held >= MANY);
  CU_ASSERT(after.table_slots <= (before.table_slots > 64 ? before.table_slots : 64)); /* chunk 0 stays */
  long long kept = (long long)after.ports_held - (long long)before.ports_held;
  CU_ASSERT(kept <= 64 && kept >= -64); /* a last batch in its grace period, then or before */
  CU_ASSERT(heap_in_use() <= heap + (1u << 20));
}

/* Closes a batch of ports, so their memory is freed from inside the window. */
static HANDLE batch[64];
static void close_batch(void *unused) {
  (void)unused;
  for (int i = 0; i < 64; i++) CU_ASSERT_TRUE(CloseHandle(batch[i]));
}

/* A post that read the grace period's epoch just before the reclaimer flipped
 * it counts itself anew, and works; the memory was freed meanwhile, and the
 * next batch is freed too (no count was left behind to wait for). */
static void post_across_a_flip(void) {
  HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(port);
  for (int round = 0; round < 2; round++) {
    for (int i = 0; i < 64; i++) batch[i] = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
    unsigned held = stats().ports_held;
    if (round == 0) iocp_model_on_window(IOCP_MODEL_WINDOW_GRACE, close_batch, NULL);
    else close_batch(NULL);
    CU_ASSERT_TRUE(PostQueuedCompletionStatus(port, 7, 1, NULL));
    CU_ASSERT((long long)stats().ports_held < (long long)held); /* a batch was freed: the flip happened */
  }
  OVERLAPPED_ENTRY e[2];
  ULONG n = 0;
  CU_ASSERT_TRUE(GetQueuedCompletionStatusEx(port, e, 2, &n, 0, FALSE));
  CU_ASSERT_EQUAL(n, 2);
  CU_ASSERT_TRUE(CloseHandle(port));
}

/* Makes a port and closes it, which retires it: 1 if that freed a batch. */
static int retire_one(void) {
  unsigned held = stats().ports_held;
  HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(port);
  CU_ASSERT_TRUE(CloseHandle(port));
  return stats().ports_held <= held;
}

/* Waits for `s` at most `ms` milliseconds: 1 if it was posted meanwhile. */
static int posted_within(sem_t *s, unsigned ms) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += ms / 1000;
  until.tv_nsec += (long)(ms % 1000) * 1000000;
  until.tv_sec += until.tv_nsec / 1000000000;
  until.tv_nsec %= 1000000000;
  int rc;
  while ((rc = sem_timedwait(s, &until)) != 0 && errno == EINTR) continue;
  return rc == 0;
}

/* A reader, a thread of its own, posts to `port`, which is closed while the
 * reader holds it found without a lock; a batch is then freed. */
struct reader {
  HANDLE port;
  sem_t inside, freed;       /* the port is closed; the batch holding it is freed */
  BOOL closed;               /* CloseHandle's result, inside */
  DWORD error;               /* what the reader's post gave: 6 */
  int freed_while_inside;    /* the batch did not wait for the reader */
  int went_on;               /* the reader went on to lock the closed port again */
  int late;                  /* and a later reader comes in after the flip */
  HANDLE late_port;          /* the later reader's port, open */
  sem_t late_in, late_go;    /* it is inside; it may leave */
  pthread_t late_thread;
  int late_started;
  int held_by_late;          /* the batch waited for the later reader */
};

/* At IOCP_MODEL_WINDOW_PEEKED, in the reader: its port is closed, and the
 * batch must not be freed while the reader is still inside (25 ms here). */
static void close_while_inside(void *arg) {
  struct reader *r = arg;
  r->closed = CloseHandle(r->port);
  iocp_model_on_window(IOCP_MODEL_WINDOW_PORT_LOOKUP, set_flag, &r->went_on);
  sem_post(&r->inside);
  r->freed_while_inside = posted_within(&r->freed, 25);
}

static void *reader_posts(void *arg) {
  struct reader *r = arg;
  r->error = PostQueuedCompletionStatus(r->port, 0, 0, NULL) ? 0 : GetLastError();
  if (r->late && !posted_within(&r->freed, 10000)) {
    r->held_by_late = 1;
    sem_post(&r->late_go);
  }
  return NULL;
}

/* At IOCP_MODEL_WINDOW_PEEKED, in the later reader: it stays inside until let go. */
static void stay_inside(void *arg) {
  struct reader *r = arg;
  sem_post(&r->late_in);
  while (sem_wait(&r->late_go) != 0) continue;
}

static void *late_reader_posts(void *arg) {
  struct reader *r = arg;
  return PostQueuedCompletionStatus(r->late_port, 0, 0, NULL) ? NULL : arg;
}

/* At IOCP_MODEL_WINDOW_FLIPPED, in the thread freeing the batch: a reader
 * comes in after the flip, and stays inside. */
static void let_a_late_reader_in(void *arg) {
  struct reader *r = arg;
  iocp_model_on_window(IOCP_MODEL_WINDOW_PEEKED, stay_inside, r);
  if (pthread_create(&r->late_thread, NULL, late_reader_posts, r) != 0) abort();
  r->late_started = 1;
  while (sem_wait(&r->late_in) != 0) continue;
}

static void reader_end(struct reader *r) {
  sem_destroy(&r->inside);
  sem_destroy(&r->freed);
  sem_destroy(&r->late_in);
  sem_destroy(&r->late_go);
}

/* One round of readers_hold_their_batch(): `before` ports retired first, then
 * the reader's port, then one more, the batch's 64th or 65th piece; 0 if the
 * reader never reached the window, so no round can run. */
static int reader_holds_the_batch(int before, int late) {
  struct reader r = {.late = late};
  sem_init(&r.inside, 0, 0);
  sem_init(&r.freed, 0, 0);
  sem_init(&r.late_in, 0, 0);
  sem_init(&r.late_go, 0, 0);
  int early = 0;
  for (int i = 0; i < before; i++) early += retire_one();
  r.port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(r.port);
  if (late) {
    r.late_port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.late_port);
    iocp_model_on_window(IOCP_MODEL_WINDOW_FLIPPED, let_a_late_reader_in, &r);
  }
  unsigned held = stats().ports_held;
  iocp_model_on_window(IOCP_MODEL_WINDOW_PEEKED, close_while_inside, &r);
  pthread_t t;
  CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, reader_posts, &r), 0);
  if (!posted_within(&r.inside, 10000)) { /* the window never opened: no round to run */
    CU_FAIL("the reader did not reach IOCP_MODEL_WINDOW_PEEKED");
    iocp_model_on_window(IOCP_MODEL_WINDOW_PEEKED, NULL, NULL);
    iocp_model_on_window(IOCP_MODEL_WINDOW_FLIPPED, NULL, NULL);
    CU_ASSERT_EQUAL(pthread_join(t, NULL), 0);
    CU_ASSERT_TRUE(CloseHandle(r.port));
    if (late) CU_ASSERT_TRUE(CloseHandle(r.late_port));
    reader_end(&r);
    return 0;
  }
  CU_ASSERT_TRUE(retire_one()); /* frees the batch, once the reader has left */
  sem_post(&r.freed);
  CU_ASSERT_EQUAL(pthread_join(t, NULL), 0);
  iocp_model_on_window(IOCP_MODEL_WINDOW_PORT_LOOKUP, NULL, NULL);
  iocp_model_on_window(IOCP_MODEL_WINDOW_FLIPPED, NULL, NULL);
  CU_ASSERT_EQUAL(early, 0); /* no batch before its 64th piece */
  CU_ASSERT_TRUE(r.closed);
  CU_ASSERT_FALSE(r.freed_while_inside);
  CU_ASSERT_FALSE(r.went_on); /* it gave up at the closed port: 6, and no reference kept */
  CU_ASSERT_EQUAL(r.error, ERROR_INVALID_HANDLE);
  CU_ASSERT_EQUAL((long long)held - stats().ports_held, before + 1); /* one made, before + 2 freed */
  if (late) {
    CU_ASSERT_FALSE(r.held_by_late);
    CU_ASSERT_TRUE(r.late_started);
    if (!r.held_by_late) sem_post(&r.late_go);
    void *failed = NULL;
    if (r.late_started) CU_ASSERT_EQUAL(pthread_join(r.late_thread, &failed), 0);
    CU_ASSERT_PTR_NULL(failed);
    CU_ASSERT_TRUE(CloseHandle(r.late_port));
  }
  reader_end(&r);
  return 1;
}

/* A batch of closed ports is freed on its 64th piece, not before, and only
 * once every reader that may have found one of them without a lock has left:
 * whichever parity the epoch has (the rounds alternate it) and whichever of
 * the 64 counters the reader's thread was given (a new thread each round).
 * A reader that came in after the flip does not hold the batch. */
static void readers_hold_their_batch(void) {
  int n = 1;
  while (!retire_one() && n <= 64) n++; /* a batch freed: none pending */
  CU_ASSERT_FATAL(n <= 64);
  enum { ROUNDS = 66 };
  for (int round = 0; round < ROUNDS; round++)
    if (!reader_holds_the_batch(62 + round % 2, round == ROUNDS - 1)) break;
}

/* Makes ports into fill[*n...] while the table has only its first chunk:
 * returns the last, which grew the table, so it has the second chunk's first slot. */
static HANDLE fill_until_grown(HANDLE *fill, int *n, int room) {
  HANDLE last = NULL;
  while (stats().table_slots == 64) {
    CU_ASSERT_FATAL(*n < room);
    CU_ASSERT_PTR_NOT_NULL_FATAL(last = fill[(*n)++] = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0));
  }
  return last;
}

/* The handle table's second chunk, emptied and made again.  Its first slot
 * is used three times and the others not at all: the chunk made again starts
 * that slot at the generation after its third (each generation is 1 << 26 in
 * a handle), so none of its three handles names the new port (OS-HANDLE-2).
 * The chunk is given back at the close that leaves the first chunk half full,
 * not before and not after. */
static void chunk_made_again(void) {
  CU_ASSERT_EQUAL_FATAL(stats().table_slots, 64); /* only the first chunk, at this point */
  enum { SOME = 200, GEN = 26 };
  HANDLE fill[SOME], stale[3];
  int n = 0;
  stale[0] = fill_until_grown(fill, &n, SOME);
  n--;
  for (int use = 0; use < 3; use++) {
    CU_ASSERT_TRUE(CloseHandle(stale[use]));
    if (use < 2) {
      stale[use + 1] = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0); /* the same slot */
      CU_ASSERT_PTR_EQUAL(stale[use + 1], (HANDLE)((uintptr_t)stale[use] + ((uintptr_t)1 << GEN)));
    }
  }
  int shrunk_early = 0, shrunk_late = 0; /* every open handle is in the first chunk now */
  while (n > 0) {
    CU_ASSERT_TRUE(CloseHandle(fill[--n]));
    iocp_model_stats_t now = stats();
    shrunk_early += now.table_slots == 64 && now.handles_open > 32;
    shrunk_late += now.table_slots != 64 && now.handles_open <= 32;
  }
  CU_ASSERT_EQUAL(shrunk_early, 0);
  CU_ASSERT_EQUAL(shrunk_late, 0);
  HANDLE again = fill_until_grown(fill, &n, SOME);
  CU_ASSERT_PTR_EQUAL(again, (HANDLE)((uintptr_t)stale[2] + ((uintptr_t)1 << GEN)));
  for (int i = 0; i < 3; i++) {
    CU_ASSERT_FALSE(PostQueuedCompletionStatus(stale[i], 0, 0, NULL));
    CU_ASSERT_EQUAL(GetLastError(), ERROR_INVALID_HANDLE);
  }
  while (n > 0) CU_ASSERT_TRUE(CloseHandle(fill[--n]));
}

/* Names the open port h[0], then h[1], a closed one: NULL if both calls did what they should. */
static void *name_open_then_closed(void *arg) {
  HANDLE *h = arg;
  int ok = PostQueuedCompletionStatus(h[0], 0, 1, NULL);
  ok = ok && !PostQueuedCompletionStatus(h[1], 0, 2, NULL) && GetLastError() == ERROR_INVALID_HANDLE;
  return ok ? NULL : arg;
}

/* A thread keeps a reference to the port it named last and gives it back
 * once: when it names another handle, here a closed one, and not again when it
 * exits, which would free the port under its open handle and queued packet. */
static void last_port_given_back_once(void) {
  HANDLE h[2] = {CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0),
                 CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0)};
  CU_ASSERT_PTR_NOT_NULL_FATAL(h[0]);
  CU_ASSERT_PTR_NOT_NULL_FATAL(h[1]);
  CU_ASSERT_TRUE(CloseHandle(h[1]));
  pthread_t t;
  void *failed = &t;
  CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, name_open_then_closed, h), 0);
  CU_ASSERT_EQUAL(pthread_join(t, &failed), 0);
  CU_ASSERT_PTR_NULL(failed);
  OVERLAPPED_ENTRY e;
  ULONG n = 0;
  CU_ASSERT_TRUE(GetQueuedCompletionStatusEx(h[0], &e, 1, &n, 0, FALSE));
  CU_ASSERT_EQUAL(e.lpCompletionKey, 1);
  CU_ASSERT_TRUE(CloseHandle(h[0]));
}

/** @verifies{OS-HANDLE-4} */
void test_os_handle_4(void) {
  int fds = descriptors_open(), threads = threads_running();
  ports_at_once();
  post_across_a_flip();
  readers_hold_their_batch();
  chunk_made_again();
  last_port_given_back_once();
  enum { ROUNDS = CHURN_PORTS / CHURN_PORTS_AT_ONCE };
  CU_ASSERT_PTR_NULL(churn_ports((void *)(uintptr_t)1));
  unsigned slots = stats().table_slots;
  CU_ASSERT_PTR_NULL(churn_ports((void *)(uintptr_t)(ROUNDS - 2)));
  /* The last round from another thread, after this one made a port: a make
   * or a close that left the handle table locked would stop it for ever. */
  HANDLE made = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
  static struct churn last = {.rounds = 1};
  CU_ASSERT_EQUAL_FATAL(sem_init(&last.done, 0, 0), 0);
  pthread_t other;
  CU_ASSERT_EQUAL_FATAL(pthread_create(&other, NULL, churn_then_say, &last), 0);
  CU_ASSERT_TRUE(posted_within(&last.done, 10000));
  CU_ASSERT_TRUE(CloseHandle(made)); /* a table left locked by this thread is let go here */
  CU_ASSERT_EQUAL(pthread_join(other, NULL), 0);
  CU_ASSERT_PTR_NULL(last.failed);
  sem_destroy(&last.done);
  mio_completion_port port = support_port(0);
  for (int i = 0; i < CHURN_FILES / 2; i++) churn_pair(&port);
  CU_ASSERT_EQUAL(support_close(&port), 0);
  iocp_model_stats_t end = stats();
  printf("\n  churn: %d ports, %d file handles; descriptors %d -> %d, threads %d -> %d,"
         " table slots %u -> %u\n", CHURN_PORTS, CHURN_FILES, fds, descriptors_open(), threads,
         threads_settled(threads), slots, end.table_slots);
  CU_ASSERT_EQUAL(descriptors_open(), fds);
  CU_ASSERT_EQUAL(threads_settled(threads), threads);
  CU_ASSERT_EQUAL(end.table_slots, slots);
  CU_ASSERT_EQUAL(end.io_threads, 0);
}

/** The tests of this file: suite "resources". */
CU_TestInfo suite_resources[] = {
    {"OS-FAULT-1: every resource failure fails cleanly", test_os_fault_1},
    {"OS-HANDLE-4: churned ports and files leave nothing behind", test_os_handle_4},
    CU_TEST_INFO_NULL};
