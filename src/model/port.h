/**
 * @file port.h
 * @brief The completion port kernel object: its queue, its waiters, its
 *        close, the packets it keeps for pending I/O, and its memory.
 */
#ifndef MIO_MODEL_PORT_H
#define MIO_MODEL_PORT_H

#include <stddef.h>
#include <time.h>

#include "handle.h"

/**
 * @brief Makes a port.
 * @param out Receives its handle.
 * @param concurrency How many threads it releases to run at once; 0: as many
 *        as there are processors online (OS-RUN-3).
 * @return 0, or 1450 when out of memory.
 */
DWORD mio__port_create(HANDLE *out, DWORD concurrency);

/**
 * @brief The port of an open handle with one more reference, for a file to keep.
 * @param handle Any value.
 * @return The port (give it back with mio__object_release()), or NULL (6).
 */
struct mio__object *mio__port_get(HANDLE handle);

/**
 * @brief Queues a posted packet, or hands it to the waiter that blocked last.
 * @param handle The port's handle.
 * @param bytes The packet's byte count.
 * @param key The packet's key.
 * @param overlapped The packet's pointer, never dereferenced.
 * @return 0; 6 for a handle that is not an open port; 1450 when out of memory.
 */
DWORD mio__port_post(HANDLE handle, DWORD bytes, ULONG_PTR key, LPOVERLAPPED overlapped);

/**
 * @brief Dequeues up to @p count packets, waiting up to @p ms while the port
 *        is empty or holds them back for its concurrency value.
 * The calling thread gives up its slot on the port it named last, or on this
 * one, first; it is counted on this port again when the call returns 0 or
 * 258 (OS-RUN-1, OS-RUN-2).
 * @param handle The port's handle.
 * @param entries Receives the packets; at least @p count of them.
 * @param count At least 1.
 * @param ms Time limit in milliseconds; INFINITE waits for ever.
 * @param n Receives the number dequeued (0 on failure).
 * @return 0; 258 when the time ran out; 735 when the port was closed while
 *         this call waited; 6 for a handle that is not an open port.
 */
DWORD mio__port_get_many(HANDLE handle, OVERLAPPED_ENTRY *entries, ULONG count, DWORD ms,
                         ULONG *n);

/**
 * @brief The calling thread starts a wait the model makes itself (a
 *        synchronous ReadFile or WriteFile): it gives up its slot on the port
 *        it is counted on, as a Windows thread entering a wait does (OS-RUN-4).
 * @return What to give mio__port_thread_runs() when the wait ends.
 */
int mio__port_thread_waits(void);

/**
 * @brief The wait that mio__port_thread_waits() began is over: the thread is
 *        counted again, past the limit if need be.
 * @param counted What mio__port_thread_waits() returned.
 */
void mio__port_thread_runs(int counted);

/**
 * @brief Reserves room for @p n I/O completion packets on @p port.
 *
 * A request on an associated file reserves its packet when it starts, and
 * association reserves one for each request already pending, so a completion
 * can never fail for want of memory and is never lost.
 * @param port A port object.
 * @param n How many packets.
 * @return 0, or 1450 when out of memory (nothing is reserved then).
 */
DWORD mio__port_reserve(struct mio__object *port, size_t n);

/**
 * @brief Gives back a reservation whose request failed at once (no packet).
 * @param port A port object with a reservation.
 */
void mio__port_unreserve(struct mio__object *port);

/**
 * @brief Queues the packet of a completed I/O request, using its reservation;
 *        dropped once the port's handle is closed.
 * @param port A port object with a reservation.
 * @param key The file's completion key.
 * @param overlapped The request.
 * @param status Its NTSTATUS.
 * @param bytes Bytes transferred.
 */
void mio__port_complete(struct mio__object *port, ULONG_PTR key, LPOVERLAPPED overlapped,
                        DWORD status, DWORD bytes);

/**
 * @brief Moves @p t, a time on CLOCK_MONOTONIC, @p ms milliseconds later.
 * @param t The time; its tv_nsec is below 10^9 before and after.
 * @param ms The interval.
 */
void mio__deadline_add(struct timespec *t, DWORD ms);

/** Packets in one block of a port's queue, for tests of OS-MEM-1. */
#define BLOCK_SLOTS 256

/**
 * @brief The slots a port holds, for tests of OS-MEM-1.
 * @param handle A port's handle.
 * @param reserved Receives the slots reserved for pending I/O; may be NULL.
 * @param vacant Receives the free slots: after the last packet and in spare
 *        blocks; may be NULL.
 * @return Slots in the blocks the port holds; 0, with 0 in @p reserved and
 *         @p vacant, for a handle that is not an open port.
 */
size_t mio__port_slots(HANDLE handle, size_t *reserved, size_t *vacant);

/**
 * @brief Ports whose memory is not yet freed, for iocp_model_stats().
 * @return The count.
 */
unsigned mio__port_held(void);

/**
 * @brief Waiters released by a look at the counted threads, for iocp_model_stats().
 * @return The count since the process began (OS-RUN-5).
 */
unsigned mio__port_looks_released(void);

/**
 * @brief Packets discarded by closed ports, for iocp_model_stats().
 * @return The count since the process began.
 */
unsigned long long mio__port_discarded(void);

#endif
