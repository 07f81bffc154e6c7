/**
 * @file io.h
 * @brief The model's I/O thread, which finishes overlapped requests that
 *        could not complete at once.
 *
 * The thread knows a file only by the link embedded in it, and calls the
 * file back through the link: it never names the file module.
 */
#ifndef MIO_MODEL_IO_H
#define MIO_MODEL_IO_H

#include "handle.h"

/** How a file is known to the I/O thread; embedded in the file. */
struct mio__io_link {
  struct mio__io_link *next; /**< Next in the thread's list of references to drop. */
  struct mio__object *obj;   /**< The file: the thread holds a reference while it watches it. */
  void (*ready)(struct mio__io_link *link); /**< The thread's call when the descriptor is ready. */
};

/**
 * @brief Counts one more open file handle; starts the I/O thread for the first.
 * @return 0, or the Win32 error when the thread or its descriptors cannot be
 *         had (then nothing is counted and nothing is left behind).
 */
DWORD mio__io_hold(void);

/**
 * @brief Counts one file handle less; stops the I/O thread after the last.
 * @param link The closed file if the I/O thread watched it (the thread drops
 *        its reference once it can no longer see the file), or NULL.
 */
void mio__io_drop(struct mio__io_link *link);

/**
 * @brief Waits until the I/O thread has served every descriptor that is ready now.
 *
 * A write calls it, so that a request pending on the other end of the pipe
 * has completed, and queued its packet, by the time the write returns, as on
 * Windows.  Never call it from the I/O thread.
 */
void mio__io_flush(void);

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

/**
 * @brief Whether the I/O thread runs, for iocp_model_stats().
 * @return 1 or 0.
 */
unsigned mio__io_running(void);

#endif
