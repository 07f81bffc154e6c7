/**
 * @file grace.h
 * @brief Memory that readers without a lock may still hold: freed once every
 *        such reader that could have found it has left.
 *
 * Posting and waiting find their port without a lock (mio__handle_peek), so
 * neither a closed port nor a chunk of the handle table can be freed the
 * moment it becomes unreachable: a reader may have found it just before.
 * A reader marks the stretch in which it holds such a pointer
 * (mio__grace_enter, mio__grace_leave); memory retired after it became
 * unreachable is freed only when every stretch that began before is over.
 */
#ifndef MIO_MODEL_GRACE_H
#define MIO_MODEL_GRACE_H

#include <stddef.h>

/** Embedded in memory to be retired: its link, and how to free it. */
struct mio__retired {
  struct mio__retired *next;                /**< In the list of retired memory. */
  void (*free)(struct mio__retired *self); /**< Frees the memory around @p self. */
};

/**
 * @brief Begins a stretch that may hold pointers found without a lock (OS-HANDLE-4).
 * @return A token for mio__grace_leave().
 */
unsigned mio__grace_enter(void);

/**
 * @brief Ends the stretch begun by the mio__grace_enter() that gave @p token (OS-HANDLE-4).
 * @param token Its token.
 */
void mio__grace_leave(unsigned token);

/**
 * @brief Frees @p r's memory (OS-HANDLE-4) once no stretch that began before this call
 *        remains; it must already be unreachable for new readers.
 *
 * Memory is freed in batches: this call frees the batch once it holds 64
 * pieces or 64 KiB, and never while the calling thread is itself in a stretch.
 * @param r The memory's link, with its free function set.
 * @param bytes The memory's size.
 */
void mio__grace_retire(struct mio__retired *r, size_t bytes);

#endif
