/*
 * The completion port's waiter and close protocol (src/model/port.c), for SPIN.
 *
 * What is modelled: the port's lock; the ring of packets; the LIFO stack of
 * blocked waiters; the hand-off of a packet straight to the top waiter, and
 * the waker's store to the waiter's futex word after unlocking, which the
 * waiter waits for before it returns; waits with no timeout, a finite one
 * that may expire at any moment, or none; close, which marks every waiter
 * with 735 and discards the ring;
 * and an I/O request that reserves its packet's slot and completes later;
 * the concurrency value (LIMIT): a getter is counted from the moment a call
 * returns with a packet or 258 until its next call or its end, a waiter is
 * released only while fewer than LIMIT are counted, a call gives up its own
 * slot first, and an end lets the waiter that blocked last take the oldest
 * packet.  The look at threads that wait out of the model's sight (OS-RUN-5)
 * is not modelled: it only releases a waiter that could otherwise wait for a
 * thread that never comes back, which no process here does.
 * A futex wait sleeps only while the word is 0 and wakes on the wake that
 * follows the store, or spuriously; so "blocked until woken[g]" is its whole
 * meaning here.  A poster's or a getter's first call finds the port without
 * a lock (the peek of the handle table) inside a grace stretch
 * (src/model/grace.c: a counter per epoch parity) and takes a reference
 * under the port's lock, which the process keeps for its later calls (the
 * thread's last port) until it finds the port closed or ends; a getter that
 * sleeps holds a reference of its own.  Once the handle is closed and the
 * last reference gone, the memory is retired, and the reclaimer flips the
 * epoch, waits for the old parity's stretches to end and frees it.
 * docs/reliability.md maps every process and variable to the C it stands for.
 *
 * Checked, exhaustively, for NG getters, NP posted packets and one I/O packet:
 *   - every packet is delivered at most once, and once everything has ended,
 *     delivered + discarded at close = posted + completed (exactly once);
 *   - a packet goes to a getter only while fewer than LIMIT others are
 *     counted (OS-RUN-1);
 *   - a packet never waits in the ring while a getter sleeps and the count
 *     allows it to run: no lost wake-up, and no slot lost at a getter's end;
 *   - a hand-off goes to the waiter that blocked last (LIFO, OS-WAIT-1);
 *   - every getter blocked at the close gets 735, and every call that starts
 *     after it gets 6 (IOCP-GM-10, OS-CLOSE-1);
 *   - no process takes the lock of freed memory, and the memory is freed
 *     once every process has ended (OS-HANDLE-4);
 *   - no process is left blocked for ever (SPIN's invalid end states).
 * SPIN interleaves with sequential consistency, under which the reader's
 * second look at the epoch is never needed (enter() below); grace.c says why
 * C11 needs it.
 *
 * Deliberately broken variants, which must fail: -DFIFO releases the waiter
 * that blocked first; -DNOWAKE makes close mark the waiters but wake none;
 * -DEARLYLEAVE ends the grace stretch right after the peek, before the
 * reference is taken; -DNOREF takes no reference, for the last port or for a
 * sleep; -DOVERLIMIT hands a packet to a waiter whatever the count;
 * -DNOACTIVATE lets a getter end without giving its slot to a waiter.
 */

#ifndef NG
#define NG 2          /* getters: 3 is beyond a laptop's memory */
#endif
#ifndef NP
#define NP 2          /* packets posted */
#endif
#define IO_PACKET (NP + 1)
#define RING 4        /* room enough: posts and reservations never exceed it */
#define LIMIT 1       /* the port's concurrency value */

#define E_OK 0
#define E_HANDLE 6
#define E_TIMEOUT 258
#define E_ABANDONED 735

#define NOW 0          /* timeout kinds of a get */
#define FINITE 1
#define FOREVER 2

bool locked;                     /* port->lock */
bool closed;                     /* port->handle == NULL */
bool handle_open = 1;            /* the handle's slot in the table: what the peek reads */
bool request_done;               /* the file's reference to the port is gone */
bool closer_done;                /* the handle's reference is gone */
byte refs;                       /* processes' last-port references, and sleeping getters' */
byte epoch; byte readers[2];     /* grace.c: the epoch's parity, and the stretches by parity */
bool freed;                      /* the port's memory is free */
byte ring[RING]; byte head; byte count;  /* port->ring, head, count */
byte reserved;                   /* port->reserved */
byte stack[NG]; byte depth;      /* port->top and the waiters' below/above links */
bool done[NG];                   /* waiter.done */
short err[NG];                   /* waiter.error */
byte handed[NG];                 /* waiter.packet */
bool woken[NG];                  /* waiter.woken, the futex word */
byte ticket[NG];                 /* blocking order among those blocked: LIFO check only */
bool blocked_at_close[NG];       /* for the 735 check only */
byte delivered[IO_PACKET + 1];   /* deliveries per packet, for the checks */
byte running; bool counted[NG];  /* port->running, and each getter's runner.counted */
byte posted; byte completed; byte discarded; byte taken;

inline lock() { atomic { !locked -> assert(!freed); locked = 1 } }

/* Under the lock: the handle was closed since the peek (port->handle != handle) */
#define STALE closed
inline unlock() {
  assert(!(count > 0 && depth > 0 && running < LIMIT));   /* nobody left waiting for a slot */
  locked = 0
}

/* count_in: a getter released to run, under the lock */
inline count_in(g) { counted[g] = 1; running++ }

/* mio__grace_enter: count this stretch under the epoch's parity.  The C
 * reads the epoch, counts, and reads it again (counting anew if it moved);
 * under SPIN's sequential consistency that comes to this one step. */
inline enter(parity) { atomic { parity = epoch; readers[parity]++ } }
inline leave(parity) { readers[parity]-- }

#ifdef NOREF
#define TAKE skip
#define GIVE skip
#else
#define TAKE refs++
#define GIVE refs--
#endif

/* last_find: a process without a reference looks the port up, inside a
 * grace stretch, and takes one under the lock; cached stays 0 for 6 */
inline find(parity, cached, open) {
  atomic {   /* the stretch begun, then the peek: no other process reads both in between */
    enter(parity);
    open = handle_open;
    if :: !open -> leave(parity) :: else -> skip fi
  };
  if
  :: !open -> skip   /* the peek: 6 */
  :: else ->
#ifdef EARLYLEAVE
     leave(parity);
#endif
     atomic { lock(); if :: !STALE -> TAKE; cached = 1 :: else -> skip fi; unlock() };
#ifndef EARLYLEAVE
     leave(parity)
#endif
  fi;
  d_step { open = 0; parity = 0 }   /* forgotten, so that equal states compare equal */
}

/* last_forget: the port was found closed, or the thread ends */
inline forget(cached) {
  if :: cached -> GIVE; cached = 0 :: else -> skip fi
}

inline deliver(id) {
  delivered[id]++;
  assert(delivered[id] == 1);
  taken++
}

/* ring_take: one packet from the ring */
inline ring_take_one() {
  deliver(ring[head]);
  ring[head] = 0;            /* (the model forgets what the C leaves behind) */
  head = (head + 1) % RING;
  count--;
  if :: count == 0 -> head = 0 :: else -> skip fi
}

inline ring_put(id) {
  assert(count < RING);
  ring[(head + count) % RING] = id;
  count++
}

/* waiter_unlink: take getter `g` out of the stack, wherever it is */
inline unlink(g) {
  k = 0;
  do
  :: k < depth && stack[k] != g -> k++
  :: else -> break
  od;
  assert(k < depth);
  do
  :: k + 1 < depth -> stack[k] = stack[k + 1]; k++
  :: else -> break
  od;
  depth--
}

/* handoff: the packet goes to the waiter that blocked last, if the count
 * lets it run; w = NG if none */
inline handoff(id, w) {
  if
#ifdef OVERLIMIT
  :: depth > 0 ->
#else
  :: depth > 0 && running < LIMIT ->
#endif
     assert(running < LIMIT);
#ifdef FIFO
     w = stack[0];
     unlink(w);
#else
     w = stack[depth - 1];
     depth--;
#endif
     k = 0;    /* LIFO: no waiter still blocked came after it */
     do
     :: k < depth -> assert(ticket[stack[k]] < ticket[w]); k++
     :: else -> break
     od;
     k = 0;
     handed[w] = id; err[w] = E_OK; done[w] = 1; count_in(w)
  :: else -> w = NG
  fi
}

/* activate: the count fell; the waiter that blocked last takes the oldest
 * packet if the count lets it run; w = NG if none */
inline activate(w) {
  if
  :: depth > 0 && count > 0 && running < LIMIT ->
     w = stack[depth - 1];
     depth--;
     handed[w] = ring[head];
     ring[head] = 0;
     head = (head + 1) % RING;
     count--;
     if :: count == 0 -> head = 0 :: else -> skip fi;
     err[w] = E_OK; done[w] = 1; count_in(w)
  :: else -> w = NG
  fi
}

/* runner_leave at the getter's end: its slot goes to the newest waiter,
 * and the association's reference goes */
inline depart(g, w, joined) {
  if :: !joined -> goto departed :: else -> skip fi;
  atomic {
    lock();
    w = NG;
    if
    :: counted[g] -> counted[g] = 0; running--;
#ifndef NOACTIVATE
       activate(w)
#endif
    :: else -> skip
    fi;
    unlock()
  };
  if :: w != NG -> wake(w) :: else -> skip fi;
  w = 0;
  GIVE;
departed:
  skip
}

/* waiter_wake, after unlocking: the store; the futex wake that follows
 * is the end of the getter's "woken[g] ->" wait */
inline wake(w) {
  woken[w] = 1
}

/* PostQueuedCompletionStatus */
proctype Poster() {
  byte id = 1, w, k, parity;
  bool gone, cached, open;
  do
  :: id <= NP ->
     if :: !cached -> find(parity, cached, open) :: else -> skip fi;
     if :: !cached -> break :: else -> skip fi;   /* 6 */
     atomic {      /* the port's lock held: one step for the others */
       lock();
       gone = STALE;
       if
       :: !gone ->
          handoff(id, w);
          if :: w == NG -> ring_put(id) :: else -> skip fi;
          posted++
       :: else -> skip
       fi;
       unlock()
     };
     if :: gone -> forget(cached); break :: else -> skip fi;   /* 6: the port is gone */
     if :: w != NG -> wake(w) :: else -> skip fi;
     d_step { id++; w = 0; k = 0; parity = 0 }
  :: else -> break
  od;
  forget(cached)   /* the thread ends */
}

/* An overlapped request on an associated file: mio__port_reserve when it
 * starts, mio__port_complete when the I/O thread finishes it. */
proctype Request() {
  byte w = NG, k;
  bool ok;
  atomic { lock(); ok = !closed; if :: ok -> reserved++ :: else -> skip fi; unlock() };
  if
  :: ok ->
     k = 0;
     atomic {
       lock();
       if
       :: closed -> discarded++          /* completed after the close: dropped */
       :: else ->
          assert(reserved > 0);
          reserved--;
          handoff(IO_PACKET, w);
          if :: w == NG -> ring_put(IO_PACKET) :: else -> skip fi
       fi;
       completed++;
       unlock()
     };
     if :: w != NG -> wake(w) :: else -> skip fi
  :: else -> skip
  fi;
  request_done = 1   /* the file lets the port go */
}

/* GetQueuedCompletionStatusEx with room for two entries; ends on 6 or 735 */
proctype Getter(byte g) {
  byte kind, k, parity, w;
  short result;
  bool after_close, timed_out, blocked, cached, open, joined;
  byte calls = 0;
  do
  :: calls < 2 ->
     if :: !cached -> find(parity, cached, open) :: else -> skip fi;
     if :: !cached -> break :: else -> skip fi;   /* 6 */
     atomic {
       calls++;
       if :: kind = NOW :: kind = FINITE :: kind = FOREVER fi;
       lock();
       after_close = STALE;
       blocked = 0;
       if :: !STALE && !joined -> joined = 1; TAKE :: else -> skip fi;   /* runner_join */
       if :: !STALE && counted[g] -> counted[g] = 0; running-- :: else -> skip fi;  /* its own slot */
       if
       :: STALE -> result = E_HANDLE
       :: !STALE && count > 0 && running < LIMIT ->
          ring_take_one();
          if :: count > 0 -> ring_take_one() :: else -> skip fi;
          count_in(g);
          result = E_OK
       :: !STALE && (count == 0 || running >= LIMIT) && kind == NOW ->
          count_in(g);
          result = E_TIMEOUT
       :: !STALE && (count == 0 || running >= LIMIT) && kind != NOW ->
          /* port_wait: blocks only while it may take nothing, and waits at
           * once, which releases the lock */
          stack[depth] = g; depth++;
          k = 0; ticket[g] = 1;    /* later than every waiter still blocked */
          do
          :: k < depth - 1 -> if :: ticket[stack[k]] >= ticket[g] -> ticket[g] = ticket[stack[k]] + 1
                                :: else -> skip fi; k++
          :: else -> break
          od;
          k = 0;
          done[g] = 0; err[g] = E_OK; woken[g] = 0;
          blocked = 1;
          TAKE;   /* the port's memory, for the lock after the sleep */
          unlock()
       fi;
       if :: !blocked -> unlock() :: else -> skip fi
     };
     if
     :: blocked ->
        if   /* futex_wait: until the word is set, or the deadline passes */
        :: woken[g] -> timed_out = 0
        :: kind == FINITE -> timed_out = 1
        fi;
        atomic {
          lock();
          if
          :: !done[g] -> assert(timed_out); unlink(g); err[g] = E_TIMEOUT; count_in(g)
          :: else -> skip
          fi
        };
        if   /* a timeout raced the hand-off: the waker is a store away */
        :: done[g] -> woken[g]
        :: else -> skip
        fi;
        atomic {
          if
          :: done[g] && err[g] == E_OK ->
             deliver(handed[g]);
             if :: !STALE && count > 0 -> ring_take_one() :: else -> skip fi
          :: else -> skip
          fi;
          result = err[g];
          unlock()
        };
        GIVE   /* given back after the unlock */
     :: else -> skip
     fi;
     d_step {
       assert(!after_close || result == E_HANDLE);
       assert(!blocked_at_close[g] || result == E_ABANDONED);
       /* forget this call, so that equal states compare equal */
       blocked_at_close[g] = 0; done[g] = 0; err[g] = 0; handed[g] = 0; ticket[g] = 0;
       woken[g] = 0; after_close = 0; timed_out = 0; blocked = 0; kind = 0; k = 0; parity = 0;
       if :: result == E_HANDLE || result == E_ABANDONED -> calls = 2 :: else -> skip fi;
       if :: result == E_HANDLE -> forget(cached) :: else -> skip fi;   /* found closed */
       result = 0
     }
  :: else -> break
  od;
  depart(g, w, joined);
  forget(cached)   /* the thread ends */
}

/* CloseHandle on the port: port_close */
proctype Closer() {
  byte k, w;
  handle_open = 0;   /* mio__handle_close: the slot is free; the close hook follows */
  atomic {
    lock();
    closed = 1;
    k = 0;
    do
    :: k < depth ->
       w = stack[k];
       done[w] = 1; err[w] = E_ABANDONED; blocked_at_close[w] = 1;
       k++
    :: else -> break
    od;
    discarded = discarded + count;
    k = 0;
    do
    :: k < RING -> ring[k] = 0; k++
    :: else -> break
    od;
    count = 0; head = 0;
    reserved = 0;
    k = depth;
    depth = 0;
    unlock()
  };
#ifndef NOWAKE
  do
  :: k > 0 -> k--; wake(stack[k])
  :: else -> break
  od;
#endif
  closer_done = 1   /* the handle's reference released */
}

/* port_destroy at the last reference, then mio__grace_retire: flip the
 * epoch, wait for the old parity's stretches, free */
proctype Reclaimer() {
  byte old;
  closer_done && request_done && refs == 0;
  atomic { old = epoch; epoch = 1 - epoch };
  readers[old] == 0;
  freed = 1
}

init {
  byte g;
  atomic {
    g = 0;
    do
    :: g < NG -> run Getter(g); g++
    :: else -> break
    od;
    run Poster();
    run Request();
    run Closer();
    run Reclaimer()
  };
  _nr_pr == 1;   /* every other process has ended */
  assert(taken + discarded == posted + completed);
  assert(freed)
}
