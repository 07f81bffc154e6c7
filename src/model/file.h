/**
 * @file file.h
 * @brief File objects: a HANDLE for a pipe or socket descriptor, with
 *        synchronous and overlapped transfers and association with a port.
 */
#ifndef MIO_MODEL_FILE_H
#define MIO_MODEL_FILE_H

#include "handle.h"

/** A file object; opaque above file.c. */
struct mio__file;

/**
 * @brief Gives @p fd a handle that owns it.
 * @param fd An open descriptor; with FILE_FLAG_OVERLAPPED, a pipe or a socket.
 * @param flags 0 or FILE_FLAG_OVERLAPPED.
 * @param out Receives the handle.
 * @return 0; or 1450, or 4 when the I/O thread has no descriptor: then @p fd
 *         is untouched and nothing is left behind.
 */
DWORD mio__file_open(int fd, DWORD flags, HANDLE *out);

/**
 * @brief Borrows the file behind @p handle.
 * @param handle Any value.
 * @return The file (give it back with mio__file_put()), or NULL (6).
 */
struct mio__file *mio__file_get(HANDLE handle);

/**
 * @brief Gives back a file borrowed with mio__file_get().
 * @param file The file.
 */
void mio__file_put(struct mio__file *file);

/**
 * @brief Associates @p file with @p port under @p key, for good.
 * @param file A borrowed file.
 * @param port A borrowed port; the file keeps its own reference.
 * @param key The completion key of the file's packets.
 * @return 0; 87 for a file without FILE_FLAG_OVERLAPPED or one already
 *         associated; 1450 when out of memory.
 */
DWORD mio__file_associate(struct mio__file *file, struct mio__object *port, ULONG_PTR key);

/**
 * @brief A read or a write: synchronous on a handle opened without
 *        FILE_FLAG_OVERLAPPED or with a NULL @p ov, else overlapped.
 * @param file A borrowed file.
 * @param writing 1 for a write.
 * @param buf The bytes; stays valid until the request completes.
 * @param len How many.
 * @param out Receives the count when the transfer completes now; may be NULL.
 * @param ov The request, or NULL.
 * @return 0 when it completed now; 997 when it will complete later; else the
 *         error it failed with, and then no packet is queued.
 */
DWORD mio__file_transfer(struct mio__file *file, int writing, char *buf, DWORD len,
                         LPDWORD out, LPOVERLAPPED ov);

#endif
