/**
 * @file fault.c
 * @brief The model's fault injection for tests, and its allocator.
 *
 * Windows takes ports and packets from the kernel pool and fails with
 * ERROR_NO_SYSTEM_RESOURCES when the pool is exhausted; the model also needs
 * descriptors and a thread for file handles.  Tests reach each of those
 * failure paths by arming a countdown per kind of fault; disarmed, a check
 * costs one relaxed load.
 */
#include <stdlib.h>

#include "internal.h"

static atomic_uint countdown[IOCP_MODEL_FAULT_KINDS]; /* 0: disarmed; n: the n-th attempt fails */

void iocp_model_inject_fault(iocp_model_fault fault, unsigned nth) {
  if ((unsigned)fault < IOCP_MODEL_FAULT_KINDS)
    atomic_store_explicit(&countdown[fault], nth, memory_order_relaxed);
}

int model__fault(iocp_model_fault fault) {
  assert((unsigned)fault < IOCP_MODEL_FAULT_KINDS);
  unsigned n = atomic_load_explicit(&countdown[fault], memory_order_relaxed);
  while (n != 0) {
    if (atomic_compare_exchange_weak_explicit(&countdown[fault], &n, n - 1, memory_order_relaxed,
                                              memory_order_relaxed))
      return n == 1;
  }
  return 0;
}

void *model__malloc(size_t size) {
  return model__fault(IOCP_MODEL_FAULT_ALLOCATION) ? NULL : malloc(size);
}

void *model__realloc(void *ptr, size_t size) {
  return model__fault(IOCP_MODEL_FAULT_ALLOCATION) ? NULL : realloc(ptr, size);
}
