/**
 * @file alloc.c
 * @brief The model's allocator, with failure injection for tests.
 *
 * Windows takes ports and packets from the kernel pool and fails with
 * ERROR_NO_SYSTEM_RESOURCES when the pool is exhausted.  Tests reach those
 * paths by arming a countdown; when disarmed the cost is one relaxed load.
 */
#include <stdlib.h>

#include "internal.h"

static atomic_uint countdown; /* 0: disarmed; n: the n-th attempt fails */

void iocp_model_fail_allocation(unsigned nth) {
  atomic_store_explicit(&countdown, nth, memory_order_relaxed);
}

int model__allocation_allowed(void) {
  unsigned n = atomic_load_explicit(&countdown, memory_order_relaxed);
  while (n != 0) {
    if (atomic_compare_exchange_weak_explicit(&countdown, &n, n - 1, memory_order_relaxed,
                                              memory_order_relaxed))
      return n != 1;
  }
  return 1;
}

void *model__malloc(size_t size) {
  return model__allocation_allowed() ? malloc(size) : NULL;
}

void *model__realloc(void *ptr, size_t size) {
  return model__allocation_allowed() ? realloc(ptr, size) : NULL;
}
