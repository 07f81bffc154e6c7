/*
 * The completion port's waiter and close protocol (src/model/port.c), for SPIN.
 *
 * What is modelled: the port's mutex; the ring of packets; the LIFO stack of
 * blocked waiters; the hand-off of a packet straight to the top waiter, and
 * the waker's store to the waiter's futex word after unlocking, which the
 * waiter waits for before it returns; waits with no timeout, a finite one
 * that may expire at any moment, or none; close, which marks every waiter
 * with 735 and discards the ring;
 * and an I/O request that reserves its packet's slot and completes later.
 * A futex wait sleeps only while the word is 0 and wakes on the wake that
 * follows the store, or spuriously; so "blocked until woken[g]" is its whole
 * meaning here.  Once closed and released, the port's memory is reused for
 * the next port (the pool): a caller holding the old handle finds the port
 * lock-free (the peek) and then checks, under its lock, that the port is
 * still the one its handle names (gen, port->handle in the C).
 * docs/reliability.md maps every process and variable to the C it stands for.
 *
 * Checked, exhaustively, for NG getters, NP posted packets and one I/O packet:
 *   - every packet is delivered at most once, and once everything has ended,
 *     delivered + discarded at close = posted + completed (exactly once);
 *   - a waiter blocks only while the ring is empty (a packet never waits in
 *     the ring while a getter sleeps: no lost wake-up);
 *   - a hand-off goes to the waiter that blocked last (LIFO, OS-WAIT-1);
 *   - every getter blocked at the close gets 735, and every call that starts
 *     after it gets 6 (IOCP-GM-10, OS-CLOSE-1), also when the memory is
 *     reused by a new port between its peek and its lock (OS-HANDLE-2);
 *   - no process is left blocked for ever (SPIN's invalid end states).
 *
 * Deliberately broken variants, which must fail: -DFIFO releases the waiter
 * that blocked first; -DNOWAKE makes close mark the waiters but wake none;
 * -DNOCHECK checks only that the port is open, not that it is still the
 * handle's, so a stale post lands in the reused port.
 */

#ifndef NG
#define NG 2          /* getters: 3 is beyond a laptop's memory */
#endif
#ifndef NP
#define NP 2          /* packets posted */
#endif
#define IO_PACKET (NP + 1)
#define RING 4        /* room enough: posts and reservations never exceed it */

#define E_OK 0
#define E_HANDLE 6
#define E_TIMEOUT 258
#define E_ABANDONED 735

#define NOW 0          /* timeout kinds of a get */
#define FINITE 1
#define FOREVER 2

bool locked;                     /* port->lock */
bool closed;                     /* port->handle == NULL */
byte gen;                        /* which port the memory is: the old handles name 0 */
bool request_done;               /* the file's reference to the port is gone */
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
byte posted; byte completed; byte discarded; byte taken;

inline lock() { atomic { !locked -> locked = 1 } }

/* Under the lock: the port is not the one the old handle names any more */
#ifdef NOCHECK
#define STALE closed
#else
#define STALE (closed || gen != 0)
#endif
inline unlock() { locked = 0 }

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

/* handoff: the packet goes to the waiter that blocked last; w = NG if none */
inline handoff(id, w) {
  if
  :: depth > 0 ->
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
     handed[w] = id; err[w] = E_OK; done[w] = 1
  :: else -> w = NG
  fi
}

/* waiter_wake, after unlocking: the store; the futex wake that follows
 * is the end of the getter's "woken[g] ->" wait */
inline wake(w) {
  woken[w] = 1
}

/* PostQueuedCompletionStatus */
proctype Poster() {
  byte id = 1, w, k;
  bool gone;
  do
  :: id <= NP ->
     if :: closed || gen != 0 -> break :: else -> skip fi;   /* the peek: 6 */
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
     if :: gone -> break :: else -> skip fi;   /* 6: the port is gone */
     if :: w != NG -> wake(w) :: else -> skip fi;
     d_step { id++; w = 0; k = 0 }
  :: else -> break
  od
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
  byte kind, k;
  short result;
  bool after_close, timed_out, blocked;
  byte calls = 0;
  do
  :: calls < 2 ->
     if :: closed || gen != 0 -> break :: else -> skip fi;   /* the peek: 6 */
     atomic {
       calls++;
       if :: kind = NOW :: kind = FINITE :: kind = FOREVER fi;
       lock();
       after_close = STALE;
       blocked = 0;
       if
       :: STALE -> result = E_HANDLE
       :: !STALE && count > 0 ->
          ring_take_one();
          if :: count > 0 -> ring_take_one() :: else -> skip fi;
          result = E_OK
       :: !STALE && count == 0 && kind == NOW -> result = E_TIMEOUT
       :: !STALE && count == 0 && kind != NOW ->
          /* port_wait: blocks only on an empty ring, and waits at once,
           * which releases the lock */
          assert(count == 0);
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
          :: !done[g] -> assert(timed_out); unlink(g); err[g] = E_TIMEOUT
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
        }
     :: else -> skip
     fi;
     d_step {
       assert(!after_close || result == E_HANDLE);
       assert(!blocked_at_close[g] || result == E_ABANDONED);
       /* forget this call, so that equal states compare equal */
       blocked_at_close[g] = 0; done[g] = 0; err[g] = 0; handed[g] = 0; ticket[g] = 0;
       woken[g] = 0; after_close = 0; timed_out = 0; blocked = 0; kind = 0; k = 0;
       if :: result == E_HANDLE || result == E_ABANDONED -> calls = 2 :: else -> skip fi;
       result = 0
     }
  :: else -> break
  od
}

/* CloseHandle on the port: port_close */
proctype Closer() {
  byte k, w;
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
  od
#endif
}

/* The pool: once the port is closed and the file's reference gone, its
 * memory is the next port's (port_destroy, then port_alloc) */
proctype Reopener() {
  atomic { closed && request_done -> lock(); closed = 0; gen = 1; unlock() }
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
    run Reopener()
  };
  _nr_pr == 1;   /* every other process has ended */
  assert(taken + discarded == posted + completed)
}
