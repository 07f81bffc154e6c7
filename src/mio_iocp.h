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

/**
 * @brief Writes the Debug text `CompletionStatus(OVERLAPPED_ENTRY)`.
 * @param self The status; its fields are not shown, as in mio.
 * @param buf Receives the text and its terminating NUL.
 * @param size Size of @p buf; at least 35.
 * @return 0; 87 for NULL pointers; 122 if @p size is too small (@p buf untouched).
 *
 * @side_by_side{mio_completion_status_debug}
 */
MIO_EXTERN uint32_t mio_completion_status_debug(const mio_completion_status *self, char *buf,
                                     size_t size);

/**
 * @brief Creates a port with the given concurrency value (`new`).
 * @param threads Concurrency value passed to the OS; 0 means one per processor.
 * @param out Receives the port on success; untouched on failure.
 * @return 0, or the OS error (87 if @p out is NULL).
 *
 * @side_by_side{mio_completion_port_new}
 */
MIO_EXTERN uint32_t mio_completion_port_new(uint32_t threads, mio_completion_port *out);

#if MIO_FEATURE_NET || MIO_FEATURE_OS_EXT
/**
 * @brief Associates @p handle with the port under @p token (`add_handle`).
 * @param self The port.
 * @param token Completion key of the handle's packets.
 * @param handle A handle opened for overlapped I/O.
 * @return 0, or the OS error (87 if @p self is NULL, 6 if the port is empty).
 *
 * mio ignores the returned handle (the port itself on success).  An empty
 * port (closed, or given away by into_raw_handle) is refused here: given a
 * NULL port, CreateIoCompletionPort would create a new, unreachable port and
 * tie the file to it for good.  Rust cannot reach that state.
 *
 * @side_by_side{mio_completion_port_add_handle}
 */
MIO_EXTERN uint32_t mio_completion_port_add_handle(const mio_completion_port *self, uintptr_t token,
                                        HANDLE handle);
#endif

/**
 * @brief Dequeues up to @p len statuses, waiting only while none is queued
 *        (`get_many`).
 * @param self The port.
 * @param list Buffer of @p len statuses; entries past the dequeued ones are not written.
 * @param len Length of @p list; lengths above UINT32_MAX are clamped to UINT32_MAX.
 * @param timeout NULL waits without limit (`None`); else rounded up to whole ms.
 * @param removed Receives how many statuses were dequeued (0 on any error).
 * @return 0, or the OS error: 258 on timeout, 87 for NULL arguments.
 *
 * Safe to call from many threads at once, with posts in between (IOCP-CP-2):
 * the module keeps no state, and the OS makes the port handle shareable.
 * The length is clamped, not truncated, to a ULONG; a zero length goes to
 * the OS as mio passes it (the model refuses it with 87).  The wait is never
 * alertable.  Where mio slices `&mut list[..removed]`, which panics if the OS
 * claims more entries than the list holds (Wine 8.0 does, for a zero
 * length), the C function returns 87 and reports none.
 *
 * @side_by_side{mio_completion_port_get_many}
 */
MIO_EXTERN uint32_t mio_completion_port_get_many(const mio_completion_port *self,
                                      mio_completion_status *list, size_t len,
                                      const mio_duration *timeout, size_t *removed);

/**
 * @brief Posts @p status to the port (`post`).
 * @param self The port.
 * @param status Bytes, token and overlapped pointer to post; its Internal is not sent.
 * @return 0, or the OS error (87 if @p self is NULL).
 *
 * Internal is not a parameter of PostQueuedCompletionStatus, so it is lost.
 * Safe to call from many threads at once (IOCP-CP-2), as get_many is.
 *
 * @side_by_side{mio_completion_port_post}
 */
MIO_EXTERN uint32_t mio_completion_port_post(const mio_completion_port *self,
                                  mio_completion_status status);

/**
 * @brief The port's HANDLE, still owned by the port (`as_raw_handle`).
 * @param self The port.
 * @return The handle, or NULL if @p self is NULL.
 *
 * @side_by_side{mio_completion_port_as_raw_handle}
 */
MIO_EXTERN HANDLE mio_completion_port_as_raw_handle(const mio_completion_port *self);

/**
 * @brief Makes a port that takes ownership of @p handle (`from_raw_handle`).
 * @param handle A port handle; not checked, as in Rust, where this is `unsafe`.
 * @param out Receives the port.
 * @return 0, or 87 if @p out is NULL.
 *
 * @side_by_side{mio_completion_port_from_raw_handle}
 */
MIO_EXTERN uint32_t mio_completion_port_from_raw_handle(HANDLE handle, mio_completion_port *out);

/**
 * @brief Gives the HANDLE away without closing it (`into_raw_handle`).
 *
 * The port is left empty (NULL handle), like a moved-from value.
 * @param self The port.
 * @return The handle, now owned by the caller, or NULL if @p self is NULL.
 *
 * @side_by_side{mio_completion_port_into_raw_handle}
 */
MIO_EXTERN HANDLE mio_completion_port_into_raw_handle(mio_completion_port *self);

/**
 * @brief Closes the port's HANDLE (the Drop of mio's `Handle`).
 *
 * Threads blocked in get_many on it return ERROR_ABANDONED_WAIT_0 (735).
 * The port is left empty (NULL handle).
 * @param self The port.
 * @return 0, or the OS error (6 for an empty port, 87 if @p self is NULL).
 *
 * The Drop of mio's Handle (handle.rs) ignores CloseHandle's result; the C
 * function returns it.
 *
 * @side_by_side{mio_completion_port_close}
 */
MIO_EXTERN uint32_t mio_completion_port_close(mio_completion_port *self);

/**
 * @brief A status with the given values and Internal 0 (`new`).
 * @param bytes Byte count.
 * @param token Completion key.
 * @param overlapped Pointer value, passed through uninterpreted.
 * @return The status.
 *
 * @side_by_side{mio_completion_status_new}
 */
MIO_EXTERN mio_completion_status mio_completion_status_new(uint32_t bytes, uintptr_t token,
                                                OVERLAPPED *overlapped);

#if MIO_FEATURE_OS_EXT
/**
 * @brief Views an OVERLAPPED_ENTRY as a status, without copying (`from_entry`).
 * @param entry The entry.
 * @return The same address as a status; NULL for NULL, as a plain cast gives.
 *
 * Zero-copy: the same address, read as the other type (IOCP-CS-1 makes
 * that valid).
 *
 * @side_by_side{mio_completion_status_from_entry}
 */
MIO_EXTERN const mio_completion_status *mio_completion_status_from_entry(const OVERLAPPED_ENTRY *entry);
#endif

/**
 * @brief The all-zero status, for get_many buffers (`zero`).
 * @return mio_completion_status_new(0, 0, NULL).
 *
 * @side_by_side{mio_completion_status_zero}
 */
MIO_EXTERN mio_completion_status mio_completion_status_zero(void);

/**
 * @brief Bytes transferred (`bytes_transferred`).
 * @param self The status.
 * @return Its byte count, or 0 if @p self is NULL.
 *
 * @side_by_side{mio_completion_status_bytes_transferred}
 */
MIO_EXTERN uint32_t mio_completion_status_bytes_transferred(const mio_completion_status *self);

/**
 * @brief Completion key (`token`).
 * @param self The status.
 * @return Its key, or 0 if @p self is NULL.
 *
 * @side_by_side{mio_completion_status_token}
 */
MIO_EXTERN uintptr_t mio_completion_status_token(const mio_completion_status *self);

/**
 * @brief OVERLAPPED pointer (`overlapped`).
 * @param self The status.
 * @return Its pointer, or NULL if @p self is NULL.
 *
 * @side_by_side{mio_completion_status_overlapped}
 */
MIO_EXTERN OVERLAPPED *mio_completion_status_overlapped(const mio_completion_status *self);

/**
 * @brief The wrapped OVERLAPPED_ENTRY (`entry`).
 * @param self The status.
 * @return Its address as an entry, or NULL if @p self is NULL.
 *
 * @side_by_side{mio_completion_status_entry}
 */
MIO_EXTERN const OVERLAPPED_ENTRY *mio_completion_status_entry(const mio_completion_status *self);

/**
 * @brief A timeout in whole milliseconds for the OS (`duration_millis`).
 *
 * Rounds up; NULL (`None`) and anything from 4,294,967.294000001 s up give
 * UINT32_MAX, which the OS reads as INFINITE.  A @p timeout whose nanos is
 * 1,000,000,000 or more is read as Duration::new would read it: the whole
 * seconds in nanos are carried into secs (saturating at UINT64_MAX).
 * @param timeout The duration, or NULL.
 * @return Milliseconds, at most UINT32_MAX.
 *
 * Rust adds 999,999 ns with checked_add and, if that overflows, keeps the
 * unrounded value; Duration::as_millis then truncates and the result
 * saturates at u32::MAX.  Without 128-bit integers the C code cuts off at
 * 4,294,968 s, beyond which every value saturates anyway.
 *
 * @side_by_side{mio_duration_millis}
 */
MIO_EXTERN uint32_t mio_duration_millis(const mio_duration *timeout);

/* The version of the library linked, MIO_IOCP_VERSION_STRING when it was built. */
MIO_EXTERN const char *mio_iocp_version(void);

#endif
