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
 * never move, and neither a chunk nor a port is freed before every reader
 * that may have found it has left (grace.h).  Files, and everything else,
 * borrow a reference under a read lock.
 *
 * The table gives memory back as handles close: the last chunk goes once it
 * holds no open handle and the chunk below is at most half full.  A chunk
 * made again starts its slots at the generation after the last one used
 * there, so a stale handle stays stale (OS-HANDLE-2).
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

#include "fault.h"
#include "grace.h"
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

/* Chunk k holds FIRST_CHUNK << k slots; retired whole when the table shrinks. */
struct chunk {
  struct mio__retired retired;
  size_t bytes;
  struct slot slot[];
};

/* Chunks never move once made, so a lock-free reader never sees a slot move;
 * only inserts, closes, growth and shrinking take the lock, as writers. */
static struct {
  pthread_rwlock_t lock;
  _Atomic(struct chunk *) chunk[CHUNKS]; /* the first `chunks` are made */
  atomic_uint used;        /* slots below it were handed out at least once;
                              readers without the lock refuse the others */
  uint32_t cap, free_head; /* free_head: 1-based, 0 for none */
  uint32_t open;           /* slots holding an object */
  unsigned chunks;
  uint32_t open_in[CHUNKS]; /* slots holding an object, by chunk */
  unsigned floor[CHUNKS];   /* the generation a chunk made again starts at */
} table = {.lock = PTHREAD_RWLOCK_INITIALIZER}; /* the rest starts at zero: an empty table */

/* Handle values are multiples of 4, as on Windows. */
static HANDLE encode(uint32_t index, uint32_t gen) {
  return (HANDLE)(((((uintptr_t)gen << SLOT_BITS) | (index + 1u)) << 2));
}

/* The chunk of slot `index`: chunk k starts at slot FIRST_CHUNK * (2^k - 1),
 * so k is where the top bit of index + FIRST_CHUNK lies, counted from
 * FIRST_CHUNK's bit (6). */
static unsigned chunk_of(uint32_t index) {
  unsigned k = 31u - (unsigned)__builtin_clz(index + FIRST_CHUNK) - 6u;
  assert(k < CHUNKS);
  return k;
}

/* The slot numbered `index`, below table.used; NULL only for a reader
 * without the lock whose chunk was given back meanwhile. */
static struct slot *slot_at(uint32_t index) {
  unsigned k = chunk_of(index);
  struct chunk *c = atomic_load_explicit(&table.chunk[k], memory_order_acquire);
  return c == NULL ? NULL : &c->slot[index + FIRST_CHUNK - (FIRST_CHUNK << k)];
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

static void chunk_free(struct mio__retired *r) { free(r); } /* r is the chunk's start */

static int grow(void) {
  unsigned k = table.chunks;
  if (k == CHUNKS) return 0;
  uint32_t n = FIRST_CHUNK << k;
  struct chunk *c = mio__malloc(sizeof *c + n * sizeof c->slot[0]);
  if (c == NULL) return 0;
  for (uint32_t i = 0; i < n; i++) atomic_init(&c->slot[i].tag, table.floor[k] << 2); /* free */
  c->retired.free = chunk_free;
  c->bytes = sizeof *c + n * sizeof c->slot[0];
  atomic_store_explicit(&table.chunk[k], c, memory_order_release);
  table.chunks++;
  table.cap += n;
  return 1;
}

/* Unlinks the last chunk (OS-HANDLE-4), which holds no open handle; its slots leave the
 * free list, which is made again lowest slot first. */
static struct chunk *unlink_last(void) {
  unsigned k = --table.chunks;
  uint32_t n = FIRST_CHUNK << k, start = table.cap - n;
  struct chunk *c = atomic_load_explicit(&table.chunk[k], memory_order_relaxed);
  for (uint32_t i = 0; i < n; i++) { /* a free slot's tag holds its next generation */
    unsigned gen = atomic_load_explicit(&c->slot[i].tag, memory_order_relaxed) >> 2;
    if (gen > table.floor[k]) table.floor[k] = gen;
  }
  if (atomic_load_explicit(&table.used, memory_order_relaxed) > start)
    atomic_store_explicit(&table.used, start, memory_order_release);
  atomic_store_explicit(&table.chunk[k], NULL, memory_order_release);
  table.cap = start;
  table.free_head = 0;
  for (uint32_t i = start; i-- > 0;) {
    struct slot *s = slot_at(i);
    if ((atomic_load_explicit(&s->tag, memory_order_relaxed) & 3u) == 0) {
      s->next_free = table.free_head;
      table.free_head = i + 1;
    }
  }
  return c;
}

/* Gives back the last chunks (OS-HANDLE-4) while they hold no handle and the chunk below is
 * at most half full, so handles that come and go across a chunk's end do not
 * make and free it each time; the first chunk stays.  Call locked; returns
 * the chunks unlinked, linked through `retired.next`, to retire unlocked. */
static struct chunk *shrink(void) {
  struct chunk *gone = NULL;
  while (table.chunks > 1 && table.open_in[table.chunks - 1] == 0 &&
         table.open_in[table.chunks - 2] <= (FIRST_CHUNK << (table.chunks - 2)) / 2) {
    struct chunk *c = unlink_last();
    c->retired.next = gone != NULL ? &gone->retired : NULL;
    gone = c;
  }
  return gone;
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
  table.open_in[chunk_of(index)]++;
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
  struct chunk *gone = NULL;
  pthread_rwlock_wrlock(&table.lock);
  struct slot *s = lookup(handle);
  if (s != NULL) {
    obj = atomic_load_explicit(&s->obj, memory_order_relaxed);
    unsigned tag = atomic_load_explicit(&s->tag, memory_order_relaxed);
    atomic_store_explicit(&s->tag, (tag & ~3u) + 4u, memory_order_release); /* next generation, free */
    uint32_t index = (uint32_t)(((uintptr_t)handle >> 2) & ((1u << SLOT_BITS) - 1)) - 1u;
    s->next_free = table.free_head;
    table.free_head = index + 1;
    assert(table.open > 0);
    table.open--;
    table.open_in[chunk_of(index)]--;
    gone = shrink();
  }
  pthread_rwlock_unlock(&table.lock);
  while (gone != NULL) {
    struct chunk *next = (struct chunk *)gone->retired.next; /* its first member */
    mio__grace_retire(&gone->retired, gone->bytes);
    gone = next;
  }
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
