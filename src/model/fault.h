/**
 * @file fault.h
 * @brief What tests reach the model through: injected faults, race windows,
 *        the allocator that honours them, and the count of blocked threads.
 *
 * Every module of the model may call these; they call none of them.
 */
#ifndef MIO_MODEL_FAULT_H
#define MIO_MODEL_FAULT_H

#include <stdatomic.h>
#include <stddef.h>

#include "win32.h" /* the model's Win32 types and iocp_model_fault, iocp_model_window */

/** Where a fault can be injected: "file:line" of the attempt. */
#define MIO__SITE MIO__SITE2(__FILE__, __LINE__)
/** @cond */
#define MIO__SITE2(file, line) MIO__SITE3(file, line)
#define MIO__SITE3(file, line) file ":" #line
/** @endcond */

/**
 * @brief Should this attempt fail?  Counts one attempt of @p fault at @p site.
 * @param fault The kind of attempt.
 * @param site MIO__SITE of the caller.
 * @return 1 if iocp_model_inject_fault() armed a failure for this attempt, else 0.
 */
int mio__fault_at(iocp_model_fault fault, const char *site);

/** mio__fault_at() for the caller's own site: one relaxed load while no test armed a fault. */
#define mio__fault(fault) \
  (atomic_load_explicit(&mio__armed, memory_order_relaxed) && mio__fault_at((fault), MIO__SITE))

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
 * @brief Arms a countdown: the @p nth attempt of @p fault from now fails.
 * @param fault A kind below IOCP_MODEL_FAULT_KINDS.
 * @param nth 1 for the next attempt; 0 disarms.
 */
void mio__fault_arm(iocp_model_fault fault, unsigned nth);

/**
 * @brief The fault injection's figures, for iocp_model_stats().
 * @param sites Receives the number of distinct sites reached while armed.
 * @param injected Receives the number of faults injected.
 */
void mio__fault_stats(unsigned *sites, unsigned *injected);

/** Set once a test has armed a fault or a window: until then a check is this one load. */
extern atomic_uint mio__armed;

/**
 * @brief Arms @p fn(@p arg) at @p window, for the next thread that reaches it.
 * @param window A window below IOCP_MODEL_WINDOWS.
 * @param fn The code, or NULL to disarm.
 * @param arg Its argument.
 */
void mio__window_arm(iocp_model_window window, void (*fn)(void *), void *arg);

/**
 * @brief Runs, once, the code armed at @p window, if any.
 * @param window The window reached.
 */
void mio__window_at(iocp_model_window window);

/** A window of iocp_model_on_window(): one relaxed load while no test armed one. */
#define mio__window(window)                                                 \
  do {                                                                      \
    if (atomic_load_explicit(&mio__armed, memory_order_relaxed)) mio__window_at(window); \
  } while (0)

/**
 * @brief Counts a thread that starts (+1) or stops (-1) waiting inside a model call.
 * @param delta +1 or -1.
 */
void mio__blocked_add(int delta);

/**
 * @brief Threads waiting inside a model call now, for iocp_model_stats().
 * @return The count.
 */
unsigned mio__blocked(void);

/**
 * @brief Aborts the process unless @p ok: for a system call that cannot fail
 *        with the arguments the model gives it, so a failure is a broken
 *        invariant, not an error a caller could handle.
 * @param ok The call's success.
 */
void mio__must(int ok);

#endif
