/**
 * @file handle.c
 * @brief The model's handle table.
 *
 * A HANDLE encodes a table slot and the slot's generation.  Closing bumps the
 * generation, so a stale copy of a closed handle is told apart from the new
 * object that reuses its slot (Windows may hand the same value to the new
 * object; the model never does, OS-HANDLE-2).
 *
 * Posting and waiting look a port up on every call, so that lookup takes no
 * lock and no reference (mio__handle_peek): the slots sit in chunks that
 * never move, and a port's memory is never freed, only reused by the next
 * port.  Files, and everything else, borrow a reference under a read lock.
 *
 * A slot's states, written here once (its tag is generation * 4 + type):
 *
 *   state  tag                 obj         how it got there (writers hold the lock)
 *   -----  ------------------  ----------  --------------------------------------
 *   free   generation * 4      stale       made zeroed (generation 0), or closed:
 *                                          generation + 1; on the free list
 *   held   generation * 4 + t  the object  inserted: t is MIO__PORT or MIO__FILE;
 *                                          obj stored before the tag (release)
 */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "handle.h"

/** Bits of a handle that number its slot, from 1, so no handle is NULL. */
#define SLOT_BITS 24
/** Slots in the first chunk; chunk k holds FIRST_CHUNK << k. */
#define FIRST_CHUNK 64u
/** Chunks: FIRST_CHUNK * (2^CHUNKS - 1) slots stay below 2^SLOT_BITS. */
#define CHUNKS 18

/* A slot's tag is its generation times 4 plus the type of the object it holds
 * (0 while free): one word that changes on every insert and close, so a
 * reader without the lock can tell whether the slot changed under it. */
struct slot {
  _Atomic(struct mio__object *) obj; /* meaningful while the tag names a type */
  atomic_uint tag;
  uint32_t next_free; /* 1-based index of the next free slot, 0 ends */
};

/* Chunks never move once made, so a lock-free reader never sees a slot move;
 * only inserts, closes and growth take the lock, as writers. */
static struct {
  pthread_rwlock_t lock;
  _Atomic(struct slot *) chunk[CHUNKS];
  atomic_uint used; /* slots ever handed out, for readers without the lock */
  uint32_t cap, free_head;
  uint32_t open; /* slots holding an object */
} table = {.lock = PTHREAD_RWLOCK_INITIALIZER}; /* the rest starts at zero: an empty table */

/* Handle values are multiples of 4, as on Windows. */
static HANDLE encode(uint32_t index, uint32_t gen) {
  return (HANDLE)(((((uintptr_t)gen << SLOT_BITS) | (index + 1u)) << 2));
}

/* The slot numbered `index`, which must be below table.used.  Chunk k starts
 * at slot FIRST_CHUNK * (2^k - 1), so k is where the top bit of
 * index + FIRST_CHUNK lies, counted from FIRST_CHUNK's bit (6). */
static struct slot *slot_at(uint32_t index) {
  uint32_t i = index + FIRST_CHUNK;
  int k = 31 - __builtin_clz(i) - 6;
  assert(k >= 0 && k < CHUNKS);
  return &atomic_load_explicit(&table.chunk[k], memory_order_acquire)[i - (FIRST_CHUNK << k)];
}

/* The slot a handle names and the tag it has while the handle is open, or
 * NULL for a value that no handle ever had. */
static struct slot *decode(HANDLE handle, enum mio__type type, unsigned *tag) {
  uintptr_t v = (uintptr_t)handle;
  uint32_t index = (uint32_t)((v >> 2) & ((1u << SLOT_BITS) - 1)) - 1u;
  if ((v & 3u) != 0 || (v >> (SLOT_BITS + 2)) > UINT32_MAX / 4 ||
      index >= atomic_load_explicit(&table.used, memory_order_acquire))
    return NULL;
  *tag = (unsigned)(v >> (SLOT_BITS + 2)) << 2 | (unsigned)type;
  return slot_at(index);
}

/* The slot an open handle names, whatever its type, or NULL; call locked. */
static struct slot *lookup(HANDLE handle) {
  unsigned tag;
  struct slot *s = decode(handle, 0, &tag);
  if (s == NULL) return NULL;
  unsigned now = atomic_load_explicit(&s->tag, memory_order_relaxed);
  return (now & 3u) != 0 && now >> 2 == tag >> 2 ? s : NULL;
}

static int grow(void) {
  uint32_t k = 0, cap = 0;
  while (k < CHUNKS && cap < table.cap) cap += FIRST_CHUNK << k++;
  if (k == CHUNKS) return 0;
  struct slot *chunk = mio__malloc((FIRST_CHUNK << k) * sizeof *chunk);
  if (chunk == NULL) return 0;
  memset(chunk, 0, (FIRST_CHUNK << k) * sizeof *chunk); /* free, generation 0 */
  atomic_store_explicit(&table.chunk[k], chunk, memory_order_release);
  table.cap += FIRST_CHUNK << k;
  return 1;
}

DWORD mio__handle_insert(struct mio__object *obj, HANDLE *out) {
  uint32_t index;
  DWORD error = 0;
  pthread_rwlock_wrlock(&table.lock);
  uint32_t used = atomic_load_explicit(&table.used, memory_order_relaxed);
  if (table.free_head != 0) {
    index = table.free_head - 1;
    table.free_head = slot_at(index)->next_free;
  } else if (used < table.cap || grow()) {
    index = used;
    atomic_store_explicit(&table.used, used + 1, memory_order_release);
  } else {
    error = ERROR_NO_SYSTEM_RESOURCES;
    goto out;
  }
  struct slot *s = slot_at(index);
  unsigned tag = atomic_load_explicit(&s->tag, memory_order_relaxed);
  assert((tag & 3u) == 0);
  /* Both release: a reader that sees this obj also sees the close that freed
   * the slot before, so its second look at the tag cannot pass. */
  atomic_store_explicit(&s->obj, obj, memory_order_release);
  atomic_store_explicit(&s->tag, tag | obj->type, memory_order_release); /* publishes obj */
  table.open++;
  *out = encode(index, tag >> 2);
out:
  pthread_rwlock_unlock(&table.lock);
  return error;
}

struct mio__object *mio__handle_get(HANDLE handle, enum mio__type type) {
  struct mio__object *obj = NULL;
  pthread_rwlock_rdlock(&table.lock); /* CloseHandle cannot free it meanwhile */
  struct slot *s = lookup(handle);
  if (s != NULL) obj = atomic_load_explicit(&s->obj, memory_order_relaxed);
  if (obj != NULL && obj->type == type) mio__object_retain(obj);
  else obj = NULL;
  pthread_rwlock_unlock(&table.lock);
  return obj;
}

/* The slot's tag is read before and after the object: if it changed, the
 * handle was closed meanwhile (OS-HANDLE-3, marked on the calls that use it). */
struct mio__object *mio__handle_peek(HANDLE handle, enum mio__type type) {
  unsigned tag;
  struct slot *s = decode(handle, type, &tag);
  if (s != NULL && atomic_load_explicit(&s->tag, memory_order_acquire) == tag) {
    struct mio__object *obj = atomic_load_explicit(&s->obj, memory_order_acquire);
    if (atomic_load_explicit(&s->tag, memory_order_relaxed) == tag) {
      assert(obj != NULL && obj->type == type);
      return obj;
    }
  }
  return NULL;
}

void mio__object_retain(struct mio__object *obj) {
  atomic_fetch_add_explicit(&obj->refs, 1, memory_order_relaxed);
}

void mio__object_release(struct mio__object *obj) {
  if (atomic_fetch_sub_explicit(&obj->refs, 1, memory_order_acq_rel) == 1)
    obj->destroy(obj);
}

/* The close hook runs outside the table's lock: a port wakes its waiters with
 * 735 and drops its packets; a file completes its pending requests. */
DWORD mio__handle_close(HANDLE handle) {
  struct mio__object *obj = NULL;
  pthread_rwlock_wrlock(&table.lock);
  struct slot *s = lookup(handle);
  if (s != NULL) {
    obj = atomic_load_explicit(&s->obj, memory_order_relaxed);
    unsigned tag = atomic_load_explicit(&s->tag, memory_order_relaxed);
    atomic_store_explicit(&s->tag, (tag & ~3u) + 4u, memory_order_release); /* next generation, free */
    s->next_free = table.free_head;
    table.free_head = (uint32_t)(((uintptr_t)handle >> 2) & ((1u << SLOT_BITS) - 1));
    assert(table.open > 0);
    table.open--;
  }
  pthread_rwlock_unlock(&table.lock);
  if (obj == NULL) return ERROR_INVALID_HANDLE;
  obj->close(obj);
  mio__object_release(obj);
  return 0;
}

void mio__handle_stats(unsigned *open, unsigned *slots) {
  pthread_rwlock_rdlock(&table.lock);
  *open = table.open;
  *slots = table.cap;
  pthread_rwlock_unlock(&table.lock);
}
