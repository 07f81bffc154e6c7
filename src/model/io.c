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
 */
#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "internal.h"

/** Events taken from epoll at a time. */
#define BATCH 16

static struct {
  pthread_mutex_t life; /* serialises starting and stopping the thread */
  pthread_mutex_t lock; /* guards `releases` and `stop` */
  unsigned users;       /* open file handles */
  int epfd, wakefd, stop;
  pthread_t thread;
  struct model__io_link *releases;
} io = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, 0, -1, -1, 0, 0, NULL};

/* Adding 1 to an eventfd counter cannot fail short of 2^64 - 1 pending wake-ups. */
static void wake(void) {
  uint64_t one = 1;
  ssize_t r = write(io.wakefd, &one, sizeof one);
  (void)r;
}

/* Drops the references of files closed before or during the last batch. */
static int drain_releases(void) {
  pthread_mutex_lock(&io.lock);
  struct model__io_link *r = io.releases;
  io.releases = NULL;
  int stop = io.stop;
  pthread_mutex_unlock(&io.lock);
  while (r != NULL) {
    struct model__io_link *next = r->next; /* read before the release frees it */
    model__object_release(r->obj);
    r = next;
  }
  return stop;
}

static void *io_thread(void *arg) {
  (void)arg;
  struct epoll_event events[BATCH];
  for (;;) {
    int n = epoll_wait(io.epfd, events, BATCH, -1);
    for (int i = 0; i < n; i++) {
      if (events[i].data.ptr == NULL) {
        uint64_t count; /* non-blocking: reads the pending wake-ups, or nothing */
        ssize_t r = read(io.wakefd, &count, sizeof count);
        (void)r;
      } else {
        model__file_ready(((struct model__io_link *)events[i].data.ptr)->obj);
      }
    }
    if (drain_releases()) return NULL;
  }
}

void model__io_hold(void) {
  pthread_mutex_lock(&io.life);
  if (io.users++ == 0) {
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    io.epfd = epoll_create1(EPOLL_CLOEXEC);
    io.wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    io.stop = 0;
    epoll_ctl(io.epfd, EPOLL_CTL_ADD, io.wakefd, &ev);
    pthread_create(&io.thread, NULL, io_thread, NULL);
  }
  pthread_mutex_unlock(&io.life);
}

void model__io_drop(struct model__io_link *link) {
  pthread_mutex_lock(&io.life);
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
    close(io.epfd);
    close(io.wakefd);
  }
  pthread_mutex_unlock(&io.life);
}

void model__io_watch(struct model__io_link *link, int fd, unsigned events, int added) {
  struct epoll_event ev = {.events = events, .data.ptr = link};
  if (!added) model__object_retain(link->obj);
  epoll_ctl(io.epfd, added ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
}

void model__io_forget(int fd) { epoll_ctl(io.epfd, EPOLL_CTL_DEL, fd, NULL); }
