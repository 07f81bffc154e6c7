/**
 * @file handle.h
 * @brief The model's handle table and the header every kernel object starts with.
 *
 * The table maps HANDLE values to objects and counts references, so a bad,
 * closed or stale handle is told apart, and an object is freed only when no
 * handle and no call in progress still uses it.  Like every module below
 * api.c, it returns errors and never touches the last error.
 */
#ifndef MIO_MODEL_HANDLE_H
#define MIO_MODEL_HANDLE_H

#include <stdatomic.h>

#include "grace.h"
#include "win32.h" /* the model's Win32 types, and MIO_EXTERN */

/** Kinds of kernel object. */
enum mio__type { MIO__PORT = 1, MIO__FILE = 2 };

/** Header shared by every kernel object. */
struct mio__object {
  struct mio__retired retired; /**< First, so a retired object's link is its start (what
                                    leak checkers follow): for mio__grace_retire(). */
  enum mio__type type;      /**< What the object is. */
  atomic_uint refs;           /**< The handle's reference plus borrowers'. */
  void (*close)(struct mio__object *obj);   /**< Its handle was closed. */
  void (*destroy)(struct mio__object *obj); /**< Last reference gone: free it. */
};

/**
 * @brief Enters @p obj in the handle table; the handle owns one reference.
 * @param obj The object, with refs already 1.
 * @param out Receives the handle.
 * @return 0, or 1450 when the table cannot grow.
 */
DWORD mio__handle_insert(struct mio__object *obj, HANDLE *out);

/**
 * @brief Borrows the object behind @p handle if it is of @p type.
 * @param handle Any value.
 * @param type The required kind.
 * @return The object with one more reference (give it back with
 *         mio__object_release()), or NULL: the handle is bad, closed or of
 *         another kind (6).
 */
struct mio__object *mio__handle_get(HANDLE handle, enum mio__type type);

/**
 * @brief The object behind @p handle if it is of @p type, without a lock or a reference.
 *
 * Call inside a grace stretch (grace.h), which keeps the object's memory
 * after the handle closes until the stretch ends, for objects freed through
 * mio__grace_retire() (ports); the caller checks, under the object's own
 * lock, that it is still this handle's.
 * @param handle Any value.
 * @param type The required kind.
 * @return The object, or NULL (6).
 */
struct mio__object *mio__handle_peek(HANDLE handle, enum mio__type type);

/**
 * @brief Closes @p handle: frees its slot, runs the object's close hook and
 *        drops the handle's reference.
 * @param handle Any value.
 * @return 0, or 6 when @p handle is not open.
 */
DWORD mio__handle_close(HANDLE handle);

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

/**
 * @brief The handle table's figures, for iocp_model_stats().
 * @param open Receives the number of open handles.
 * @param slots Receives the number of slots allocated.
 */
void mio__handle_stats(unsigned *open, unsigned *slots);

#endif
