/**
 * @file file.c
 * @brief File objects of the POSIX model: a HANDLE for a descriptor, with
 *        overlapped ReadFile() and WriteFile().
 *
 * Association belongs to the file object, not to a handle value, and lasts
 * until the file is closed; the file holds a reference to its port (not a
 * handle), so a port whose handle is closed lives on, unseen, until its files
 * are closed too.
 *
 * An overlapped request is tried at once on the non-blocking descriptor.  If
 * it completes, its packet is queued at once (Windows queues one even then);
 * if it fails, it fails synchronously and queues none; otherwise it waits in
 * the file's FIFO of reads or writes until the I/O thread (io.c) finishes it.
 * Each request reserves its packet on the port before it starts, so no
 * completion is ever lost for want of memory.
 *
 * The descriptor is closed when the handle is closed and no call is using it
 * any more: a call in progress keeps working on its own file, never on a
 * descriptor number that was reused meanwhile (OS-FILE-2).
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "file.h"
#include "io.h"
#include "port.h"

/* The NTSTATUS values a request ends with, in its OVERLAPPED and its packet. */
/** NTSTATUS: still in progress. */
#define STATUS_PENDING 0x103u
/** NTSTATUS: a read of a closed pipe, or of a closed handle. */
#define STATUS_PIPE_BROKEN 0xC000014Bu
/** NTSTATUS: a write to a pipe whose reader is closed. */
#define STATUS_PIPE_CLOSING 0xC00000B1u
/** NTSTATUS: a failure without a closer code. */
#define STATUS_UNSUCCESSFUL 0xC0000001u

struct request {
  struct request *next;
  LPOVERLAPPED overlapped;
  char *buf;
  DWORD len, done;
};

struct queue {
  struct request *head, *tail;
};

struct mio__file {
  struct mio__object hdr;
  struct mio__io_link link;
  int fd;
  DWORD flags;
  pthread_mutex_t lock;
  struct mio__object *port; /* NULL until associated */
  ULONG_PTR key;
  struct queue reads, writes;
  int watched;     /* the descriptor is in the I/O thread's set: an overlapped handle */
  unsigned events; /* what the I/O thread waits for on it */
  int closed;
  unsigned calls; /* calls using `fd` outside the lock */
};

static void file_close(struct mio__object *obj);
static void file_destroy(struct mio__object *obj);
static void file_ready(struct mio__io_link *link);

struct mio__file *mio__file_get(HANDLE handle) {
  return (struct mio__file *)mio__handle_get(handle, MIO__FILE);
}

void mio__file_put(struct mio__file *file) { mio__object_release(&file->hdr); }

/* Adding the descriptor to the I/O thread's set takes memory, so it is done
 * here, once, where failing is still clean (OS-FILE-3). */
DWORD mio__file_open(int fd, DWORD flags, HANDLE *out) {
  struct mio__file *file = mio__malloc(sizeof *file);
  if (file == NULL) return ERROR_NO_SYSTEM_RESOURCES;
  *file = (struct mio__file){.hdr = {.type = MIO__FILE}, .fd = fd, .flags = flags};
  atomic_init(&file->hdr.refs, 1);
  file->hdr.close = file_close;
  file->hdr.destroy = file_destroy;
  file->link.obj = &file->hdr;
  file->link.ready = file_ready;
  pthread_mutex_init(&file->lock, NULL);
  DWORD error = mio__io_hold();
  int held = error == 0;
  if (held && (flags & FILE_FLAG_OVERLAPPED)) {
    error = mio__io_add(&file->link, fd);
    file->watched = error == 0;
  }
  if (error == 0) error = mio__handle_insert(&file->hdr, out);
  if (error != 0) {
    if (file->watched) mio__io_forget(fd); /* the thread never saw it: no reference to drop */
    if (held) mio__io_drop(NULL);
    pthread_mutex_destroy(&file->lock);
    free(file);
    return error;
  }
  if (flags & FILE_FLAG_OVERLAPPED)
    mio__must(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0);
  return 0;
}

static size_t queue_length(const struct queue *q) {
  size_t n = 0;
  for (const struct request *r = q->head; r != NULL; r = r->next) n++;
  return n;
}

/* Requests already pending, reads and writes, complete onto the port too, so
 * each gets its packet reserved now (OS-ASSOC-4, marked on CreateIoCompletionPort). */
DWORD mio__file_associate(struct mio__file *file, struct mio__object *port, ULONG_PTR key) {
  DWORD error;
  pthread_mutex_lock(&file->lock);
  if ((file->flags & FILE_FLAG_OVERLAPPED) == 0 || file->port != NULL) {
    error = ERROR_INVALID_PARAMETER;
  } else if ((error = mio__port_reserve(port, queue_length(&file->reads) +
                                                  queue_length(&file->writes))) == 0) {
    mio__object_retain(port);
    file->port = port;
    file->key = key;
  }
  pthread_mutex_unlock(&file->lock);
  return error;
}

/* write() to a pipe whose reader is gone, without the process-killing SIGPIPE. */
static ssize_t write_quietly(int fd, const char *buf, size_t len) {
  sigset_t pipe_only, old;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  ssize_t r = write(fd, buf, len);
  int error = errno;
  if (r < 0 && error == EPIPE) {
    const struct timespec now = {0, 0};
    sigtimedwait(&pipe_only, NULL, &now); /* consume the signal this write raised */
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  errno = error;
  return r;
}

/*
 * A zero-byte read: 1 if data is waiting, 0 if none yet (it pends until some
 * arrives), -EPIPE at end of file.  Windows completes it at once while data
 * remains and fails it with 109 once the pipe is broken and drained; a pipe
 * whose writer closed shows a hang-up, a socket's peer readable end of file
 * (OS-IO-8, OS-IO-11: ReadFile's marks, as Doxygen shows no static function).
 */
static ssize_t probe(int fd) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  int waiting = 0;
  if (poll(&p, 1, 0) <= 0 || (p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) return 0;
  if (ioctl(fd, FIONREAD, &waiting) == 0 && waiting > 0) return 1;
  return -EPIPE;
}

/* One non-blocking transfer: bytes moved, 0 if it would block, or -errno
 * (end of file on a read counts as a broken pipe, as on a Windows pipe).
 * A zero-byte write moves nothing and succeeds; a zero-byte read probes. */
static ssize_t transfer(int fd, int writing, char *buf, size_t len) {
  if (len == 0) return writing ? 1 : probe(fd);
  for (;;) {
    ssize_t r;
    if (!writing) r = read(fd, buf, len);
    else if ((r = send(fd, buf, len, MSG_NOSIGNAL)) < 0 && errno == ENOTSOCK)
      r = write_quietly(fd, buf, len);
    if (r > 0) return r;
    if (r == 0) return -EPIPE;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    if (errno != EINTR) return -errno;
  }
}

/* A read of a closed pipe is broken (109); a write to one is closing (232). */
static DWORD status_of(ssize_t negative_errno, int writing) {
  if (negative_errno != -EPIPE && negative_errno != -ECONNRESET) return STATUS_UNSUCCESSFUL;
  return writing ? STATUS_PIPE_CLOSING : STATUS_PIPE_BROKEN;
}

static DWORD error_of(DWORD status) {
  switch (status) {
  case STATUS_PIPE_BROKEN:
    return ERROR_BROKEN_PIPE;
  case STATUS_PIPE_CLOSING:
    return ERROR_NO_DATA;
  default:
    return ERROR_GEN_FAILURE;
  }
}

/* Bytes a completed transfer reports: a probe's or a zero-byte write's 1 is 0 bytes. */
static DWORD moved(DWORD len, ssize_t n) { return len == 0 ? 0 : (DWORD)n; }

/* Writes the result into the OVERLAPPED and queues the packet, if associated. */
static void complete(struct mio__file *file, LPOVERLAPPED ov, DWORD status, DWORD bytes) {
  ov->Internal = status;
  ov->InternalHigh = bytes;
  if (file->port != NULL) mio__port_complete(file->port, file->key, ov, status, bytes);
}

static void push(struct queue *q, struct request *r) {
  if (q->tail != NULL) q->tail->next = r;
  else q->head = r;
  q->tail = r;
}

static struct request *pop(struct queue *q) {
  struct request *r = q->head;
  q->head = r->next;
  if (q->head == NULL) q->tail = NULL;
  return r;
}

/* Tells the I/O thread which directions have requests waiting.  The watch
 * is edge-triggered, so a quiet descriptor whose peer hangs up wakes the
 * thread once, not on every turn; a change of events rechecks readiness. */
static void watch(struct mio__file *file) {
  unsigned events = (file->reads.head ? EPOLLIN : 0u) | (file->writes.head ? EPOLLOUT : 0u);
  if (events == file->events) return;
  mio__io_watch(&file->link, file->fd, events | EPOLLET);
  file->events = events;
}

/* Moves waiting requests of one direction forward; call with the file locked. */
static void serve(struct mio__file *file, struct queue *q, int writing) {
  while (q->head != NULL) {
    struct request *r = q->head;
    mio__window(IOCP_MODEL_WINDOW_READY);
    ssize_t n = transfer(file->fd, writing, r->buf + r->done, r->len - r->done);
    if (n == 0) return;
    if (n > 0) r->done += moved(r->len, n);
    if (n > 0 && writing && r->done < r->len) continue;
    complete(file, r->overlapped, n > 0 ? 0 : status_of(n, writing), r->done);
    free(pop(q));
  }
}

/* The I/O thread's call back, through the file's link, when its descriptor
 * is ready (OS-IO-5). */
static void file_ready(struct mio__io_link *link) {
  struct mio__file *file = (struct mio__file *)link->obj;
  pthread_mutex_lock(&file->lock);
  if (!file->closed) {
    serve(file, &file->reads, 0);
    serve(file, &file->writes, 1);
    watch(file);
  }
  pthread_mutex_unlock(&file->lock);
}

/* Closes the descriptor once the handle is closed and no call uses it; call locked. */
static void release_fd(struct mio__file *file) {
  if (file->closed && file->calls == 0 && file->fd >= 0) {
    close(file->fd);
    file->fd = -1;
  }
}

/* Waits until the non-blocking descriptor of an overlapped handle is ready. */
static void wait_ready(int fd, int writing) {
  struct pollfd p = {.fd = fd, .events = writing ? POLLOUT : POLLIN};
  while (poll(&p, 1, -1) < 0 && errno == EINTR) {
  }
}

/*
 * A synchronous transfer: on a handle opened without FILE_FLAG_OVERLAPPED, or
 * with a NULL OVERLAPPED (then it waits for the request, as kernelbase does,
 * and queues no packet: there is no OVERLAPPED to report, OS-IO-10).  The
 * call counts as a user of the descriptor, so closing the handle meanwhile
 * defers closing the descriptor (release_fd) until the call returns (OS-FILE-2).
 */
static DWORD transfer_sync(struct mio__file *file, int writing, char *buf, DWORD len,
                           LPDWORD out) {
  pthread_mutex_lock(&file->lock);
  if (file->closed) {
    pthread_mutex_unlock(&file->lock);
    return ERROR_INVALID_HANDLE;
  }
  file->calls++;
  int fd = file->fd;
  pthread_mutex_unlock(&file->lock);
  DWORD done = 0;
  ssize_t n;
  mio__blocked_add(1); /* a user of the descriptor now, that may wait on it */
  int counted = mio__port_thread_waits(); /* its slot goes while it may wait (OS-RUN-4) */
  do {
    n = transfer(fd, writing, buf + done, len - done);
    if (n > 0) done += moved(len, n);
    else if (n == 0) wait_ready(fd, writing);
  } while (n >= 0 && (n == 0 || (writing && done < len)));
  mio__port_thread_runs(counted);
  mio__blocked_add(-1);
  pthread_mutex_lock(&file->lock);
  file->calls--;
  release_fd(file);
  pthread_mutex_unlock(&file->lock);
  if (n < 0) return error_of(status_of(n, writing));
  if (out != NULL) *out = done;
  return 0;
}

/* The overlapped request: complete now, fail now, or pend.  Its packet and
 * its memory are had first, so that once bytes have moved it cannot fail. */
static DWORD start(struct mio__file *file, int writing, char *buf, DWORD len, LPDWORD out,
                   LPOVERLAPPED ov) {
  struct queue *q = writing ? &file->writes : &file->reads;
  if (file->closed) return ERROR_INVALID_HANDLE;
  if (file->port != NULL && mio__port_reserve(file->port, 1) != 0) return ERROR_NO_SYSTEM_RESOURCES;
  if (file->port != NULL) mio__window(IOCP_MODEL_WINDOW_RESERVED);
  struct request *r = mio__malloc(sizeof *r);
  ssize_t n = r == NULL || q->head != NULL ? 0 : transfer(file->fd, writing, buf, len);
  DWORD done = n > 0 ? moved(len, n) : 0;
  if (n > 0 && (!writing || done == len)) {
    free(r);
    complete(file, ov, 0, done);
    if (out != NULL) *out = done;
    return 0;
  }
  if (r == NULL || n < 0) { /* no memory to wait, or failed now: no packet */
    free(r);
    if (file->port != NULL) mio__port_unreserve(file->port);
    ov->Internal = n < 0 ? status_of(n, writing) : STATUS_UNSUCCESSFUL;
    return n < 0 ? error_of(status_of(n, writing)) : ERROR_NO_SYSTEM_RESOURCES;
  }
  *r = (struct request){NULL, ov, buf, len, done};
  ov->Internal = STATUS_PENDING;
  push(q, r);
  watch(file);
  return ERROR_IO_PENDING;
}

DWORD mio__file_transfer(struct mio__file *file, int writing, char *buf, DWORD len,
                         LPDWORD out, LPOVERLAPPED ov) {
  if ((file->flags & FILE_FLAG_OVERLAPPED) == 0 || ov == NULL)
    return transfer_sync(file, writing, buf, len, out);
  pthread_mutex_lock(&file->lock);
  DWORD error = start(file, writing, buf, len, out, ov);
  pthread_mutex_unlock(&file->lock);
  return error;
}

/*
 * Closing completes every waiting request at once, as a broken pipe, the way
 * a Windows pipe completes them when its handle is closed, and, by the time
 * it returns, those of the other end, which sees the close.  A call still
 * using the descriptor keeps it open; a socket is shut down, so that such a
 * call ends and the other end sees the close now (OS-IO-4).
 */
static void file_close(struct mio__object *obj) {
  struct mio__file *file = (struct mio__file *)obj;
  pthread_mutex_lock(&file->lock);
  file->closed = 1;
  struct queue *queues[] = {&file->reads, &file->writes};
  for (int i = 0; i < 2; i++) {
    while (queues[i]->head != NULL) {
      struct request *r = pop(queues[i]);
      complete(file, r->overlapped, STATUS_PIPE_BROKEN, r->done);
      free(r);
    }
  }
  if (file->watched) mio__io_forget(file->fd);
  if (file->calls > 0) shutdown(file->fd, SHUT_RDWR);
  release_fd(file);
  int watched = file->watched;
  pthread_mutex_unlock(&file->lock);
  mio__io_drop(watched ? &file->link : NULL);
  mio__io_flush(); /* the other end's pending reads have seen the close (OS-IO-5) */
}

static void file_destroy(struct mio__object *obj) {
  struct mio__file *file = (struct mio__file *)obj;
  assert(file->closed && file->fd < 0);
  if (file->port != NULL) mio__object_release(file->port);
  pthread_mutex_destroy(&file->lock);
  free(file);
}
