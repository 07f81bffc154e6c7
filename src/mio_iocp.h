/**
 * @file mio_iocp.h
 * @brief Public API: a C reference implementation of mio 1.1.0's
 *        `src/sys/windows/iocp.rs`.
 *
 * Names follow one rule: `mio_` + the Rust type in snake case + `_` + the
 * method.  Where Rust returns `io::Result`, the C function returns the OS
 * error code (0 on success, otherwise the Win32 code) and writes its result
 * through an out-parameter.  A NULL pointer where an object is needed gives
 * ERROR_INVALID_PARAMETER (87).
 */
#ifndef MIO_IOCP_H
#define MIO_IOCP_H

#include <stddef.h>
#include <stdint.h>

#include "win32.h"

/** @name Version
 *  The one place the version is written; the Makefile reads it from here for
 *  the soname, the pkg-config file and `make dist`.  A release of this
 *  library has its own number and names the mio release, and the SHA-256 of
 *  the iocp.rs, that it translates (spec/README.md).  The soname is
 *  `libmio_iocp.so.MAJOR`: MAJOR goes up when an exported function is
 *  removed or changes its signature or meaning, or a public struct its
 *  layout; MINOR when functions are added; PATCH for fixes. */
/**@{*/
#define MIO_IOCP_VERSION_MAJOR 0 /**< Incompatible ABI changes. */
#define MIO_IOCP_VERSION_MINOR 1 /**< Compatible additions. */
#define MIO_IOCP_VERSION_PATCH 0 /**< Fixes. */
#define MIO_IOCP_MIO_VERSION "1.1.0" /**< The mio release translated. */
#define MIO_IOCP_MIO_SOURCE_HASH "480c1b05e9cb7e37" /**< First 16 hex digits of its iocp.rs's SHA-256. */
/** "MAJOR.MINOR.PATCH+mio.1.1.0": the release, with mio's in SemVer build metadata. */
#define MIO_IOCP_VERSION_STRING                                                            \
  MIO_IOCP__STR(MIO_IOCP_VERSION_MAJOR) "." MIO_IOCP__STR(MIO_IOCP_VERSION_MINOR) "."    \
  MIO_IOCP__STR(MIO_IOCP_VERSION_PATCH) "+mio." MIO_IOCP_MIO_VERSION
/**@}*/
/** @cond PRIVATE */
#define MIO_IOCP__STR(x) MIO_IOCP__STR2(x)
#define MIO_IOCP__STR2(x) #x
/** @endcond */

/** @name Cargo features of mio, as compile-time switches
 *  In mio both are off by default (its Cargo.toml has `default = ["log"]`);
 *  here both default to on.  Define them to 0 for a build without the
 *  feature; users of such a build must define them the same way. */
/**@{*/
#ifndef MIO_FEATURE_NET
#define MIO_FEATURE_NET 1 /**< mio's `net` feature: enables add_handle. */
#endif
#ifndef MIO_FEATURE_OS_EXT
#define MIO_FEATURE_OS_EXT 1 /**< mio's `os-ext` feature: add_handle, from_entry. */
#endif
/**@}*/

/**
 * @brief A completion port that owns its HANDLE (`CompletionPort`).
 *
 * Thread safety (mio's `Send + Sync`): the struct is one HANDLE value, and a
 * Win32 port may be used from any thread, by many threads at once: post,
 * get_many and add_handle on one port may run concurrently, and many threads
 * may wait in get_many at once: the OS makes the handle safe to share, and
 * the module keeps no state of its own.  Moving the struct to another thread is therefore safe.  Closing it
 * (mio_completion_port_close()) is the one operation that must not race the
 * others on the same struct: in Rust, Drop cannot run while a borrow lives.
 * @satisfies{IOCP-CP-1}
 * @satisfies{IOCP-TEST-1}
 */
typedef struct mio_completion_port {
  HANDLE handle; /**< The port; owned: closed by mio_completion_port_close(). */
} mio_completion_port;

/**
 * @brief One completion packet, layout-identical to OVERLAPPED_ENTRY
 *        (`CompletionStatus`).
 *
 * Thread safety (mio's `Send + Sync` for the status): a status is plain data
 * that the module copies and never dereferences through, so it may be
 * copied to or read from any thread.  The OVERLAPPED pointer it carries is
 * only a value here; whoever dereferences it owns that synchronisation.
 * @satisfies{IOCP-CS-1}
 * @satisfies{IOCP-CS-5}
 */
typedef struct mio_completion_status {
  OVERLAPPED_ENTRY entry; /**< The wrapped entry; read it through the accessors. */
} mio_completion_status;

/** @brief `std::time::Duration`: whole seconds plus nanoseconds. */
typedef struct mio_duration {
  uint64_t secs;  /**< Whole seconds. */
  uint32_t nanos; /**< Nanoseconds, below 1,000,000,000 in a valid Duration. */
} mio_duration;

/* In the order of iocp.rs: CompletionStatus's Debug (L41-45) comes first. */

/* Writes the Debug text `CompletionStatus(OVERLAPPED_ENTRY)`. */
MIO_EXTERN uint32_t mio_completion_status_debug(const mio_completion_status *self, char *buf,
                                     size_t size);

/* Creates a port with the given concurrency value (`new`). */
MIO_EXTERN uint32_t mio_completion_port_new(uint32_t threads, mio_completion_port *out);

#if MIO_FEATURE_NET || MIO_FEATURE_OS_EXT
/* Associates handle with the port under token (`add_handle`). */
MIO_EXTERN uint32_t mio_completion_port_add_handle(const mio_completion_port *self, uintptr_t token,
                                        HANDLE handle);
#endif

/* Dequeues up to len statuses, waiting only while none is queued (`get_many`). */
MIO_EXTERN uint32_t mio_completion_port_get_many(const mio_completion_port *self,
                                      mio_completion_status *list, size_t len,
                                      const mio_duration *timeout, size_t *removed);

/* Posts status to the port (`post`). */
MIO_EXTERN uint32_t mio_completion_port_post(const mio_completion_port *self,
                                  mio_completion_status status);

/* The port's HANDLE, still owned by the port (`as_raw_handle`). */
MIO_EXTERN HANDLE mio_completion_port_as_raw_handle(const mio_completion_port *self);

/* Makes a port that takes ownership of handle (`from_raw_handle`). */
MIO_EXTERN uint32_t mio_completion_port_from_raw_handle(HANDLE handle, mio_completion_port *out);

/* Gives the HANDLE away without closing it (`into_raw_handle`). */
MIO_EXTERN HANDLE mio_completion_port_into_raw_handle(mio_completion_port *self);

/* Closes the port's HANDLE (the Drop of mio's `Handle`). */
MIO_EXTERN uint32_t mio_completion_port_close(mio_completion_port *self);

/* A status with the given values and Internal 0 (`new`). */
MIO_EXTERN mio_completion_status mio_completion_status_new(uint32_t bytes, uintptr_t token,
                                                OVERLAPPED *overlapped);

#if MIO_FEATURE_OS_EXT
/* Views an OVERLAPPED_ENTRY as a status, without copying (`from_entry`). */
MIO_EXTERN const mio_completion_status *mio_completion_status_from_entry(const OVERLAPPED_ENTRY *entry);
#endif

/* The all-zero status, for get_many buffers (`zero`). */
MIO_EXTERN mio_completion_status mio_completion_status_zero(void);

/* Bytes transferred (`bytes_transferred`). */
MIO_EXTERN uint32_t mio_completion_status_bytes_transferred(const mio_completion_status *self);

/* Completion key (`token`). */
MIO_EXTERN uintptr_t mio_completion_status_token(const mio_completion_status *self);

/* OVERLAPPED pointer (`overlapped`). */
MIO_EXTERN OVERLAPPED *mio_completion_status_overlapped(const mio_completion_status *self);

/* The wrapped OVERLAPPED_ENTRY (`entry`). */
MIO_EXTERN const OVERLAPPED_ENTRY *mio_completion_status_entry(const mio_completion_status *self);

/* A timeout in whole milliseconds for the OS (`duration_millis`). */
MIO_EXTERN uint32_t mio_duration_millis(const mio_duration *timeout);

/* The version of the library linked, MIO_IOCP_VERSION_STRING when it was built. */
MIO_EXTERN const char *mio_iocp_version(void);

#endif
