/**
 * @file io.c
 * @brief The model's I/O thread: finishes overlapped requests that could not
 *        complete at once, as the Windows kernel does behind a pending request.
 *
 * One thread waits in epoll on the descriptors with pending requests and on an
 * eventfd that wakes it.  It runs while any file handle is open, so a process
 * that closes its handles leaves no thread behind.  A closed file may still
 * appear in the batch of events the thread is handling, so the thread itself
 * drops its reference to the file, after that batch.
 *
 * A writer may ask the thread for a flush (mio__io_flush): one more sweep
 * of everything ready, answered before the writer returns, so that the other
 * end's pending read has completed when WriteFile() returns, as on Windows.
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "fault.h"
#include "io.h"

/** Events taken from epoll at a time. */
#define BATCH 16

static struct {
  pthread_mutex_t life; /* serialises starting and stopping the thread */
  pthread_mutex_t lock; /* guards `releases`, `stop` and the flush counters */
  pthread_cond_t flushed;
  unsigned users;       /* open file handles */
  int epfd, wakefd, stop;
  pthread_t thread;
  struct mio__io_link *releases;
  uint64_t flush_asked, flush_done; /* flush requests made and served */
} io = {.life = PTHREAD_MUTEX_INITIALIZER, .lock = PTHREAD_MUTEX_INITIALIZER,
        .flushed = PTHREAD_COND_INITIALIZER, .epfd = -1, .wakefd = -1};

/* Adding 1 to an eventfd counter cannot fail short of 2^64 - 1 pending wake-ups. */
static void wake(void) {
  uint64_t one = 1;
  mio__must(write(io.wakefd, &one, sizeof one) == (ssize_t)sizeof one);
}

/* Serves a batch of ready descriptors; returns how many events there were. */
static int serve_ready(int timeout_ms) {
  struct epoll_event events[BATCH];
  int n = epoll_wait(io.epfd, events, BATCH, timeout_ms);
  for (int i = 0; i < n; i++) {
    struct mio__io_link *link = events[i].data.ptr;
    uint64_t count; /* epoll saw wake-ups pending, and only this thread reads them */
    if (link == NULL) mio__must(read(io.wakefd, &count, sizeof count) == (ssize_t)sizeof count);
    else link->ready(link);
  }
  return n;
}

/* Drops the references of files closed before or during the last batch and
 * answers flush requests made before this sweep; returns whether to stop. */
static int after_batch(void) {
  pthread_mutex_lock(&io.lock);
  uint64_t asked = io.flush_asked;
  pthread_mutex_unlock(&io.lock);
  if (asked != io.flush_done) /* everything ready when they asked is ready now */
    while (serve_ready(0) == BATCH) {
    }
  pthread_mutex_lock(&io.lock);
  struct mio__io_link *r = io.releases;
  io.releases = NULL;
  int stop = io.stop;
  if (asked != io.flush_done) {
    io.flush_done = asked;
    pthread_cond_broadcast(&io.flushed);
  }
  pthread_mutex_unlock(&io.lock);
  while (r != NULL) {
    struct mio__io_link *next = r->next; /* read before the release frees it */
    mio__object_release(r->obj);
    r = next;
  }
  return stop;
}

static void *io_thread(void *arg) {
  (void)arg;
  for (;;) {
    serve_ready(-1);
    if (after_batch()) return NULL;
  }
}

static void close_descriptors(void) {
  if (io.epfd >= 0) close(io.epfd);
  if (io.wakefd >= 0) close(io.wakefd);
  io.epfd = io.wakefd = -1;
}

/* A descriptor of the model's own, or -1 with errno EMFILE when a test made it fail. */
static int descriptor(int fd_if_no_fault, int fault) {
  if (!fault) return fd_if_no_fault;
  if (fd_if_no_fault >= 0) close(fd_if_no_fault);
  errno = EMFILE;
  return -1;
}

/* Creates the thread's descriptors and the thread; 0 or a Win32 error. */
static DWORD start_thread(void) {
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  io.epfd = descriptor(epoll_create1(EPOLL_CLOEXEC), mio__fault(IOCP_MODEL_FAULT_DESCRIPTOR));
  if (io.epfd >= 0)
    io.wakefd = descriptor(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK),
                           mio__fault(IOCP_MODEL_FAULT_DESCRIPTOR));
  DWORD error = 0;
  if (io.epfd < 0 || io.wakefd < 0 || epoll_ctl(io.epfd, EPOLL_CTL_ADD, io.wakefd, &ev) != 0)
    error = errno == EMFILE || errno == ENFILE ? ERROR_TOO_MANY_OPEN_FILES
                                               : ERROR_NO_SYSTEM_RESOURCES;
  else if (mio__fault(IOCP_MODEL_FAULT_THREAD) ||
           pthread_create(&io.thread, NULL, io_thread, NULL) != 0)
    error = ERROR_NO_SYSTEM_RESOURCES;
  if (error != 0) close_descriptors();
  io.stop = 0;
  return error;
}

DWORD mio__io_hold(void) {
  pthread_mutex_lock(&io.life);
  DWORD error = io.users == 0 ? start_thread() : 0;
  if (error == 0) io.users++;
  pthread_mutex_unlock(&io.life);
  return error;
}

/* The last file handle closed takes the thread and its descriptors with it
 * (OS-HANDLE-4, marked on CloseHandle). */
void mio__io_drop(struct mio__io_link *link) {
  pthread_mutex_lock(&io.life);
  assert(io.users > 0);
  pthread_mutex_lock(&io.lock);
  if (link != NULL) {
    link->next = io.releases;
    io.releases = link;
  }
  int last = --io.users == 0;
  io.stop = last;
  pthread_mutex_unlock(&io.lock);
  if (link != NULL || last) wake();
  if (last) {
    pthread_join(io.thread, NULL);
    close_descriptors();
  }
  pthread_mutex_unlock(&io.life);
}

/* Holds `life`, so the thread and its descriptors cannot go meanwhile. */
void mio__io_flush(void) {
  pthread_mutex_lock(&io.life);
  if (io.users > 0) {
    pthread_mutex_lock(&io.lock);
    uint64_t ticket = ++io.flush_asked;
    wake();
    while (io.flush_done < ticket) pthread_cond_wait(&io.flushed, &io.lock);
    pthread_mutex_unlock(&io.lock);
  }
  pthread_mutex_unlock(&io.life);
}

DWORD mio__io_add(struct mio__io_link *link, int fd) {
  struct epoll_event ev = {.events = EPOLLET, .data.ptr = link};
  if (mio__fault(IOCP_MODEL_FAULT_ALLOCATION)) return ERROR_NO_SYSTEM_RESOURCES;
  if (epoll_ctl(io.epfd, EPOLL_CTL_ADD, fd, &ev) != 0) /* a pipe or a socket: out of memory */
    return ERROR_NO_SYSTEM_RESOURCES;
  mio__object_retain(link->obj);
  return 0;
}

/* Changing the events of a descriptor already in the set takes no memory. */
void mio__io_watch(struct mio__io_link *link, int fd, unsigned events) {
  struct epoll_event ev = {.events = events, .data.ptr = link};
  mio__must(epoll_ctl(io.epfd, EPOLL_CTL_MOD, fd, &ev) == 0);
}

unsigned mio__io_running(void) {
  pthread_mutex_lock(&io.life);
  unsigned running = io.users > 0;
  pthread_mutex_unlock(&io.life);
  return running;
}

/* Removing a descriptor that is in the set takes no memory either. */
void mio__io_forget(int fd) { mio__must(epoll_ctl(io.epfd, EPOLL_CTL_DEL, fd, NULL) == 0); }
