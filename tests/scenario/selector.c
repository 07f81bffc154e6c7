/**
 * @file selector.c
 * @brief A small selector in the shape of mio's Windows `Selector`, on the
 *        public API: how mio 1.1.0 drives iocp.rs, as a runnable scenario.
 *
 * Each piece names the upstream lines it mirrors (mio 1.1.0,
 * `src/sys/windows/`):
 *  - selector_new(): `CompletionPort::new(0)`, the port then shared, in mio
 *    through an `Arc`, with the AFD group and every Waker (selector.rs
 *    L414-426, waker.rs L16-21);
 *  - waker_wake(): a posted status with a null overlapped, the Token as key
 *    and the readiness flags in bytes_transferred (waker.rs L23-28,
 *    event.rs L17-43);
 *  - pipe_register(): add_handle with an odd token (named_pipe.rs L362-363,
 *    L628-634), then an overlapped read whose OVERLAPPED sits in a struct
 *    with its callback (overlapped.rs L8-12); the callback reads the packet
 *    through from_entry (named_pipe.rs L867-868);
 *  - selector_select(): get_many, a timeout turned into zero events, then
 *    feed_events' three-way dispatch: null overlapped, odd token, even token
 *    (selector.rs L448-521);
 *  - selector_drop(): drains with zero timeouts, giving named-pipe callbacks
 *    no event list so they only release what they hold (selector.rs L683-724).
 * AFD socket polls (even tokens) need Windows's AFD driver; here a posted
 * packet with an even token and a non-null overlapped stands in for one.
 *
 * Run by `make check-scenario` on the model and `make check-scenario-wine`
 * under Wine: every step is checked, and the exit status is 1 on any failure.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "mio_iocp.h"
#include "fuzz/pipe_pair.h"

static int failures;

/** Checks one expectation of the scenario; a failure is printed and counted. */
#define EXPECT(cond)                                                                   \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      fprintf(stderr, "selector: %s:%d: expected %s\n", __FILE__, __LINE__, #cond);    \
      failures++;                                                                      \
    }                                                                                  \
  } while (0)

/** afd.rs L223 and L225: the readiness bits mio carries in bytes_transferred. */
enum { POLL_RECEIVE = 0x1, POLL_SEND = 0x4 };

/** event.rs L8-11: an event is readiness flags and the user's Token. */
typedef struct sel_event {
  uint32_t flags;
  uintptr_t token;
} sel_event;

/** The events of one select (mio's `Events`, event.rs L120-169). */
typedef struct sel_events {
  sel_event item[16];
  size_t len;
} sel_events;

/* [snippet-overlapped] */
/** overlapped.rs L8-12: the OVERLAPPED first, then the function that handles its packet. */
typedef struct sel_overlapped {
  OVERLAPPED inner;
  void (*callback)(const OVERLAPPED_ENTRY *entry, sel_events *out);
} sel_overlapped;
/* [snippet-overlapped] */

/** A stand-in for mio's `NamedPipe` inner state: one read in flight. */
typedef struct sel_named_pipe {
  HANDLE handle;
  uintptr_t token; /* the user's Token */
  sel_overlapped read;
  char buf[16];
  DWORD got;
  int reads_done;
} sel_named_pipe;

/** A stand-in for an AFD poll's `SockState`. */
typedef struct sel_sock_state {
  OVERLAPPED inner;
  uintptr_t token;
  int polls_done;
} sel_sock_state;

/** The selector: one port, shared by its wakers and pipes. */
typedef struct selector {
  mio_completion_port port; /* shared by wakers and pipes: mio's Arc<CompletionPort> */
} selector;

/* [snippet-new] */
static uint32_t selector_new(selector *sel) {
  return mio_completion_port_new(0, &sel->port); /* selector.rs L415 */
}
/* [snippet-new] */

/* [snippet-wake] */
/* waker.rs L23-28: Event::new(token), set_readable, to_completion_status. */
static uint32_t waker_wake(const selector *sel, uintptr_t token) {
  return mio_completion_port_post(&sel->port, mio_completion_status_new(POLL_RECEIVE, token, NULL));
}
/* [snippet-wake] */

/* [snippet-read-done] */
/* named_pipe.rs L867-868 (read_done): the packet, read through from_entry, finds its pipe
 * from the OVERLAPPED's address; with no event list (a drop) it only cleans up. */
static void read_done(const OVERLAPPED_ENTRY *entry, sel_events *out) {
  const mio_completion_status *status = mio_completion_status_from_entry(entry);
  sel_overlapped *ov = (sel_overlapped *)mio_completion_status_overlapped(status);
  sel_named_pipe *pipe = (sel_named_pipe *)((char *)ov - offsetof(sel_named_pipe, read));
  pipe->got = mio_completion_status_bytes_transferred(status);
  pipe->reads_done++;
  if (out != NULL) out->item[out->len++] = (sel_event){POLL_RECEIVE, pipe->token};
}
/* [snippet-read-done] */

/* [snippet-register] */
/* named_pipe.rs L628-634: odd tokens name pipes (NEXT_TOKEN starts at 1, steps by 2). */
static uint32_t pipe_register(const selector *sel, sel_named_pipe *pipe, uintptr_t token) {
  static uintptr_t next_token = 1;
  next_token += 2;
  pipe->token = token;
  uint32_t error = mio_completion_port_add_handle(&sel->port, next_token, pipe->handle);
  if (error != 0) return error;
  memset(&pipe->read.inner, 0, sizeof pipe->read.inner);
  pipe->read.callback = read_done;
  if (ReadFile(pipe->handle, pipe->buf, sizeof pipe->buf, NULL, &pipe->read.inner)) return 0;
  return GetLastError() == ERROR_IO_PENDING ? 0 : GetLastError();
}
/* [snippet-register] */

/* [snippet-feed] */
/* selector.rs L486-521: the three kinds of packet. */
static void feed_events(const mio_completion_status *statuses, size_t n, sel_events *out) {
  for (size_t i = 0; i < n; i++) {
    const mio_completion_status *s = &statuses[i];
    if (mio_completion_status_overlapped(s) == NULL) { /* posted: a Waker */
      out->item[out->len++] = (sel_event){mio_completion_status_bytes_transferred(s),
                                      mio_completion_status_token(s)};
    } else if (mio_completion_status_token(s) % 2 == 1) { /* a named pipe: its callback */
      sel_overlapped *ov = (sel_overlapped *)mio_completion_status_overlapped(s);
      ov->callback(mio_completion_status_entry(s), out);
    } else { /* an AFD poll: the OVERLAPPED leads to its socket's state */
      sel_sock_state *sock = (sel_sock_state *)mio_completion_status_overlapped(s);
      sock->polls_done++;
      out->item[out->len++] = (sel_event){mio_completion_status_bytes_transferred(s), sock->token};
    }
  }
}
/* [snippet-feed] */

/* [snippet-select] */
/* selector.rs L448-466: get_many, and a timeout is zero events, not an error. */
static uint32_t selector_select(const selector *sel, sel_events *out, const mio_duration *timeout) {
  mio_completion_status statuses[16];
  size_t n = 0;
  out->len = 0;
  uint32_t error = mio_completion_port_get_many(&sel->port, statuses, 16, timeout, &n);
  if (error == WAIT_TIMEOUT) return 0;
  if (error != 0) return error;
  feed_events(statuses, n, out);
  return 0;
}
/* [snippet-select] */

/* [snippet-drop] */
/* selector.rs L683-724: drain with zero timeouts until a call finds nothing;
 * pipes' callbacks run with no event list, to release what they hold. */
static size_t selector_drop(selector *sel) {
  const mio_duration zero = {0, 0};
  size_t drained = 0, n;
  do {
    mio_completion_status statuses[4];
    n = 0;
    if (mio_completion_port_get_many(&sel->port, statuses, 4, &zero, &n) != 0) break;
    for (size_t i = 0; i < n; i++) {
      const mio_completion_status *s = &statuses[i];
      if (mio_completion_status_overlapped(s) != NULL && mio_completion_status_token(s) % 2 == 1)
        ((sel_overlapped *)mio_completion_status_overlapped(s))
            ->callback(mio_completion_status_entry(s), NULL);
    }
    drained += n;
  } while (n > 0);
  mio_completion_port_close(&sel->port);
  return drained;
}
/* [snippet-drop] */


/* ---- The scenario: one Poll::poll after another ---- */

/**
 * @brief Runs the scenario: a timeout, a wake, a pipe read, an AFD stand-in, a drain.
 * @return 0 if every expectation held, 1 if not.
 */
int main(void) {
  selector sel;
  sel_events ev;
  sel_named_pipe pipe = {0};
  HANDLE other = NULL;
  const mio_duration short_wait = {0, 1000000}, second = {1, 0};
  EXPECT(selector_new(&sel) == 0);

  /* Nothing happened: poll with a timeout returns no events, not an error. */
  EXPECT(selector_select(&sel, &ev, &short_wait) == 0 && ev.len == 0);

  /* A Waker: token 7, readable. */
  EXPECT(waker_wake(&sel, 7) == 0);
  EXPECT(selector_select(&sel, &ev, NULL) == 0 && ev.len == 1);
  EXPECT(ev.item[0].token == 7 && ev.item[0].flags == POLL_RECEIVE);

  /* A named pipe: registered with an odd token, a read in flight, data arrives. */
  EXPECT(pipe_pair(&pipe.handle, &other, "selector"));
  EXPECT(pipe_register(&sel, &pipe, 42) == 0);
  EXPECT(selector_select(&sel, &ev, &short_wait) == 0 && ev.len == 0); /* nothing yet */
  OVERLAPPED write_ov = {0};
  DWORD written = 0;
  EXPECT(WriteFile(other, "ping", 4, &written, &write_ov) || GetLastError() == ERROR_IO_PENDING);
  EXPECT(selector_select(&sel, &ev, &second) == 0 && ev.len == 1);
  EXPECT(ev.item[0].token == 42 && ev.item[0].flags == POLL_RECEIVE);
  EXPECT(pipe.reads_done == 1 && pipe.got == 4 && memcmp(pipe.buf, "ping", 4) == 0);

  /* An AFD poll's completion (a stand-in): an even token and the socket's state. */
  sel_sock_state sock = {.token = 9};
  EXPECT(mio_completion_port_post(&sel.port, mio_completion_status_new(POLL_SEND, 2, &sock.inner)) == 0);
  EXPECT(selector_select(&sel, &ev, &second) == 0 && ev.len == 1);
  EXPECT(ev.item[0].token == 9 && ev.item[0].flags == POLL_SEND && sock.polls_done == 1);

  /* A Waker and a pipe read in one batch: both events, in the order queued. */
  memset(&pipe.read.inner, 0, sizeof pipe.read.inner);
  EXPECT(!ReadFile(pipe.handle, pipe.buf, sizeof pipe.buf, NULL, &pipe.read.inner) &&
         GetLastError() == ERROR_IO_PENDING);
  EXPECT(waker_wake(&sel, 8) == 0);
  memset(&write_ov, 0, sizeof write_ov);
  EXPECT(WriteFile(other, "pong!", 5, &written, &write_ov) || GetLastError() == ERROR_IO_PENDING);
  EXPECT(selector_select(&sel, &ev, &second) == 0 && ev.len >= 1);
  if (ev.len == 1) { /* the read may complete just after the first get */
    sel_events more;
    EXPECT(selector_select(&sel, &more, &second) == 0 && more.len == 1);
    ev.item[ev.len++] = more.item[0];
  }
  EXPECT(ev.len == 2 && ev.item[0].token == 8 && ev.item[1].token == 42 && pipe.got == 5);

  /* Drop: a read in flight is completed by the close of its handle; the drain
   * hands it to the callback with no event list, and a last wake is drained too. */
  memset(&pipe.read.inner, 0, sizeof pipe.read.inner);
  EXPECT(!ReadFile(pipe.handle, pipe.buf, sizeof pipe.buf, NULL, &pipe.read.inner) &&
         GetLastError() == ERROR_IO_PENDING);
  EXPECT(CloseHandle(pipe.handle));
  EXPECT(waker_wake(&sel, 7) == 0);
  EXPECT(selector_drop(&sel) == 2);
  EXPECT(pipe.reads_done == 3);
  EXPECT(CloseHandle(other));

  printf("selector: %s\n", failures ? "FAILED" : "mio's use of the port, step by step: every expectation held");
  return failures ? 1 : 0;
}
