/**
 * @file handle.c
 * @brief The model's handle table, CloseHandle() and the last error.
 *
 * A HANDLE encodes a table slot and the slot's generation.  Closing bumps the
 * generation, so a stale copy of a closed handle is told apart from the new
 * object that reuses its slot (Windows may hand the same value to the new
 * object; the model never does, OS-HANDLE-2).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/** Bits of a handle that number its slot, from 1, so no handle is NULL. */
#define SLOT_BITS 24
/** The largest slot number. */
#define MAX_SLOTS ((1u << SLOT_BITS) - 1)

struct slot {
  struct mio__object *obj; /* NULL while free */
  uint32_t gen;
  uint32_t next_free; /* 1-based index of the next free slot, 0 ends */
};

static struct {
  pthread_rwlock_t lock;
  struct slot *slots;
  uint32_t used, cap, free_head;
  uint32_t open; /* slots holding an object */
} table = {.lock = PTHREAD_RWLOCK_INITIALIZER}; /* the rest starts at zero: an empty table */

static _Thread_local DWORD last_error;

/* Handle values are multiples of 4, as on Windows. */
static HANDLE encode(uint32_t index, uint32_t gen) {
  return (HANDLE)(((((uintptr_t)gen << SLOT_BITS) | (index + 1u)) << 2));
}

/* The slot a handle names, or NULL; call with the lock held. */
static struct slot *lookup(HANDLE handle) {
  uintptr_t v = (uintptr_t)handle;
  uint32_t index = (uint32_t)((v >> 2) & MAX_SLOTS) - 1u;
  uint32_t gen = (uint32_t)(v >> (SLOT_BITS + 2));
  if ((v & 3u) != 0 || (v >> (SLOT_BITS + 2)) > UINT32_MAX || index >= table.used)
    return NULL;
  struct slot *s = &table.slots[index];
  return s->obj != NULL && s->gen == gen ? s : NULL;
}

static int grow(void) {
  uint32_t cap = table.cap ? table.cap * 2 : 64;
  if (cap > MAX_SLOTS) cap = MAX_SLOTS;
  if (cap == table.cap) return 0;
  struct slot *slots = mio__realloc(table.slots, cap * sizeof *slots);
  if (slots == NULL) return 0;
  memset(slots + table.cap, 0, (cap - table.cap) * sizeof *slots); /* empty, generation 0 */
  table.slots = slots;
  table.cap = cap;
  return 1;
}

HANDLE mio__handle_insert(struct mio__object *obj) {
  uint32_t index;
  HANDLE handle = NULL;
  pthread_rwlock_wrlock(&table.lock);
  if (table.free_head != 0) {
    index = table.free_head - 1;
    table.free_head = table.slots[index].next_free;
  } else if (table.used < table.cap || grow()) {
    index = table.used++;
  } else {
    goto out;
  }
  table.slots[index].obj = obj;
  table.open++;
  handle = encode(index, table.slots[index].gen);
out:
  pthread_rwlock_unlock(&table.lock);
  if (handle == NULL) SetLastError(ERROR_NO_SYSTEM_RESOURCES);
  return handle;
}

/**
 * @brief Borrows the object behind @p handle if it is of @p type.
 * @param handle Any value.
 * @param type The required kind.
 * @return The object with one more reference (give it back with
 *         mio__object_release()), or NULL with last error 6: the handle is
 *         bad, closed or of another kind.
 *
 * @satisfies{OS-HANDLE-3}
 */
struct mio__object *mio__handle_get(HANDLE handle, enum mio__type type) {
  struct mio__object *obj = NULL;
  pthread_rwlock_rdlock(&table.lock);
  struct slot *s = lookup(handle);
  if (s != NULL && s->obj->type == type) {
    obj = s->obj;
    mio__object_retain(obj);
  }
  pthread_rwlock_unlock(&table.lock);
  if (obj == NULL) SetLastError(ERROR_INVALID_HANDLE);
  return obj;
}

void mio__object_retain(struct mio__object *obj) {
  atomic_fetch_add_explicit(&obj->refs, 1, memory_order_relaxed);
}

void mio__object_release(struct mio__object *obj) {
  if (atomic_fetch_sub_explicit(&obj->refs, 1, memory_order_acq_rel) == 1)
    obj->destroy(obj);
}

/**
 * @brief Closes a handle; the object goes when its last handle and reference go.
 * @param hObject The handle.
 * @return TRUE, or FALSE with the last error set.
 *
 * Closing runs the object's close hook: a port wakes its waiters with 735 and
 * drops its packets (port.c); a file completes its pending requests as a
 * broken pipe (file.c).
 * @satisfies{OS-HANDLE-1}
 * @satisfies{OS-HANDLE-2}
 * @satisfies{OS-HANDLE-4}
 * @satisfies{OS-CLOSE-1}
 * @satisfies{OS-IO-4}
 * @satisfies{IOCP-GM-10}
 *
 * @mio{20,22}
 */
BOOL CloseHandle(HANDLE hObject) {
  struct mio__object *obj = NULL;
  pthread_rwlock_wrlock(&table.lock);
  struct slot *s = lookup(hObject);
  if (s != NULL) {
    obj = s->obj;
    s->obj = NULL;
    s->gen++;
    s->next_free = table.free_head;
    table.free_head = (uint32_t)(s - table.slots) + 1;
    assert(table.open > 0);
    table.open--;
  }
  pthread_rwlock_unlock(&table.lock);
  if (obj == NULL) return mio__fail(ERROR_INVALID_HANDLE);
  obj->close(obj);
  mio__object_release(obj);
  return TRUE;
}

void mio__handle_stats(unsigned *open, unsigned *slots) {
  pthread_rwlock_rdlock(&table.lock);
  *open = table.open;
  *slots = table.cap;
  pthread_rwlock_unlock(&table.lock);
}

DWORD GetLastError(void) { return last_error; }

void SetLastError(DWORD dwErrCode) { last_error = dwErrCode; }

BOOL mio__fail(DWORD error) {
  SetLastError(error);
  return FALSE;
}
