/**
 * @file internal.h
 * @brief Private interfaces between the parts of the POSIX model.
 *
 * Kernel objects (ports, files) start with a mio__object header.  The
 * handle table maps HANDLE values to objects and counts references, so a
 * bad, closed or stale handle is detected and an object is freed only when
 * no handle and no in-flight call still uses it.
 */
#ifndef MIO_MODEL_INTERNAL_H
#define MIO_MODEL_INTERNAL_H

#include <assert.h>
#include <stdatomic.h>
#include <time.h>

#include "win32.h" /* the model's header, and MIO_EXTERN */

/** NTSTATUS of a request still in progress. */
#define MIO__STATUS_PENDING 0x103u
/** NTSTATUS of a read whose pipe's other end, or its own handle, is closed. */
#define MIO__STATUS_PIPE_BROKEN 0xC000014Bu
/** NTSTATUS of a write to a pipe whose other end is closed (ERROR_NO_DATA). */
#define MIO__STATUS_PIPE_CLOSING 0xC00000B1u

/** Kinds of kernel object. */
enum mio__type { MIO__PORT = 1, MIO__FILE = 2 };

/** Header shared by every kernel object. */
struct mio__object {
  enum mio__type type;      /**< What the object is. */
  atomic_uint refs;           /**< The handle's reference plus borrowers'. */
  void (*close)(struct mio__object *obj);   /**< Its handle was closed. */
  void (*destroy)(struct mio__object *obj); /**< Last reference gone: free it. */
};

/**
 * @brief Enters @p obj in the handle table; the handle owns one reference.
 * @param obj The object, with refs already 1.
 * @return The handle, or NULL with last error 1450 when the table cannot grow.
 */
HANDLE mio__handle_insert(struct mio__object *obj);

/* Borrows the object behind handle if it is of type. */
struct mio__object *mio__handle_get(HANDLE handle, enum mio__type type);

/* The object behind handle if it is of type, for objects never freed. */
struct mio__object *mio__handle_peek(HANDLE handle, enum mio__type type);

/**
 * @brief Takes a reference; the caller must already hold one.
 * @param obj The object.
 */
void mio__object_retain(struct mio__object *obj);

/**
 * @brief Drops a reference, destroying the object at zero.
 * @param obj The object.
 */
void mio__object_release(struct mio__object *obj);

/** Where a fault can be injected: "file:line" of the attempt. */
#define MIO__SITE MIO__SITE2(__FILE__, __LINE__)
/** @cond */
#define MIO__SITE2(file, line) MIO__SITE3(file, line)
#define MIO__SITE3(file, line) file ":" #line
/** @endcond */

/* Should this attempt fail?  Documented in fault.c. */
int mio__fault_at(iocp_model_fault fault, const char *site);

/** mio__fault_at() for the caller's own site. */
#define mio__fault(fault) mio__fault_at((fault), MIO__SITE)

/** Set once a test has armed a fault or a window: until then a check is this one load. */
extern atomic_uint mio__armed;

/* Runs the code a test armed at `window`, if any.  Documented in fault.c. */
void mio__window_at(iocp_model_window window);

/** A window of iocp_model_on_window(): one relaxed load while no test armed one. */
#define mio__window(window)                                                 \
  do {                                                                      \
    if (atomic_load_explicit(&mio__armed, memory_order_relaxed)) mio__window_at(window); \
  } while (0)

/**
 * @brief malloc() that honours IOCP_MODEL_FAULT_ALLOCATION.
 * @param size Bytes.
 * @param site MIO__SITE of the caller.
 * @return The block, or NULL.
 */
void *mio__malloc_at(size_t size, const char *site);

/** mio__malloc_at() for the caller's own site. */
#define mio__malloc(size) mio__malloc_at((size), MIO__SITE)


/**
 * @brief The handle table's figures, for iocp_model_stats().
 * @param open Receives the number of open handles.
 * @param slots Receives the number of slots allocated.
 */
void mio__handle_stats(unsigned *open, unsigned *slots);

/**
 * @brief Counts a thread that starts (+1) or stops (-1) waiting inside a
 *        model call, for iocp_model_stats().
 * @param delta +1 or -1.
 */
void mio__blocked_add(int delta);

/**
 * @brief Whether the I/O thread runs, for iocp_model_stats().
 * @return 1 or 0.
 */
unsigned mio__io_running(void);

/* Moves a time on CLOCK_MONOTONIC ms milliseconds later (port.c). */
void mio__deadline_add(struct timespec *t, DWORD ms);

/* The packets a port has room for and the slots it keeps reserved, for tests (port.c). */
size_t mio__port_slots(HANDLE handle, size_t *reserved);

/**
 * @brief Packets discarded by closed ports, for iocp_model_stats().
 * @return The count since the process began.
 */
unsigned long long mio__port_discarded(void);

/**
 * @brief The fault injection's figures, for iocp_model_stats().
 * @param sites Receives the number of distinct sites reached while armed.
 * @param injected Receives the number of faults injected.
 */
void mio__fault_stats(unsigned *sites, unsigned *injected);

/**
 * @brief Associates the file behind @p file with @p port under @p key.
 * @param file The file's handle.
 * @param port A borrowed port object; the file keeps its own reference.
 * @param key The completion key of the file's packets.
 * @return 0, or the Win32 error: 6 for a handle that is not a file, 87 for a
 *         file without FILE_FLAG_OVERLAPPED or one already associated.
 */
DWORD mio__file_associate(HANDLE file, struct mio__object *port, ULONG_PTR key);

/**
 * @brief Reserves room for @p n I/O completion packets on @p port.
 *
 * A request on an associated file reserves its packet when it starts, and
 * association reserves one for each request already pending, so a completion
 * can never fail for want of memory and is never lost.
 * @param port A port object.
 * @param n How many packets.
 * @return 1, or 0 when out of memory (nothing is reserved then).
 */
int mio__port_reserve(struct mio__object *port, size_t n);

/**
 * @brief Gives back a reservation whose request failed at once (no packet).
 * @param port A port object with a reservation.
 */
void mio__port_unreserve(struct mio__object *port);

/* Queues the packet of a completed I/O request, using its reservation. */
void mio__port_complete(struct mio__object *port, ULONG_PTR key, LPOVERLAPPED overlapped,
                          DWORD status, DWORD bytes);

/** How a file object is known to the I/O thread (io.c); embedded in the file. */
struct mio__io_link {
  struct mio__io_link *next; /**< Next in the thread's list of references to drop. */
  struct mio__object *obj;   /**< The file. */
};

/**
 * @brief Counts one more open file handle; starts the I/O thread for the first.
 * @return 0, or the Win32 error when the thread or its descriptors cannot be
 *         had (then nothing is counted and nothing is left behind).
 */
DWORD mio__io_hold(void);

/**
 * @brief Waits until the I/O thread has served every descriptor that is ready now.
 *
 * A write calls it, so that a request pending on the other end of the pipe
 * has completed, and queued its packet, by the time the write returns, as on
 * Windows.  Never call it from the I/O thread.
 */
void mio__io_flush(void);

/**
 * @brief Counts one file handle less; stops the I/O thread after the last.
 * @param link The closed file if the I/O thread watched it (the thread drops
 *        its reference once it can no longer see the file), or NULL.
 */
void mio__io_drop(struct mio__io_link *link);

/**
 * @brief Puts @p fd in the I/O thread's watch set, quiet; the thread takes a
 *        reference to the file.
 *
 * Done once, when an overlapped handle is made, because adding takes kernel
 * memory and may fail: a request, once bytes have moved, must not.
 * @param link The file.
 * @param fd Its descriptor: a pipe or a socket.
 * @return 0; or 1450, with no reference taken, when out of memory.
 */
DWORD mio__io_add(struct mio__io_link *link, int fd);

/**
 * @brief Sets the events the I/O thread waits for on a descriptor it watches.
 * @param link The file.
 * @param fd Its descriptor, added with mio__io_add().
 * @param events EPOLLIN and/or EPOLLOUT; 0 keeps it quiet.
 */
void mio__io_watch(struct mio__io_link *link, int fd, unsigned events);

/**
 * @brief Takes @p fd out of the watch set, before it is closed.
 * @param fd The descriptor.
 */
void mio__io_forget(int fd);

/* Called by the I/O thread when a watched file's descriptor is ready. */
void mio__file_ready(struct mio__object *file);

/**
 * @brief Sets the last error and returns FALSE, for one-line failure paths.
 * @param error The Win32 code.
 * @return FALSE.
 */
BOOL mio__fail(DWORD error);

#endif
