/**
 * @file iocp.c
 * @brief mio 1.1.0 `src/sys/windows/iocp.rs` in C, in the order of the Rust file.
 *
 * Upstream: mio v1.1.0 (commit 3a1b4718), `src/sys/windows/iocp.rs`, 282
 * lines, SHA-256 480c1b05e9cb7e37baf3e5d4824ceff6af121df5993d9ce7240b26b3277588f8.
 * Each function names the spec requirements it satisfies (spec/iocp.md), the
 * section of the design document it comes from and the upstream lines.
 * The Win32 calls go to `<windows.h>` or to the POSIX model (see win32.h).
 */
#include <stdalign.h>
#include <string.h>

#include "mio_iocp.h"

/* CompletionStatus is repr(transparent) over OVERLAPPED_ENTRY (L37-39):
 * the C struct must be the entry and nothing else, so that an array of
 * statuses is an array of entries for the OS (IOCP-CS-1). */
_Static_assert(sizeof(mio_completion_status) == sizeof(OVERLAPPED_ENTRY),
               "mio_completion_status has the size of OVERLAPPED_ENTRY");
_Static_assert(alignof(mio_completion_status) == alignof(OVERLAPPED_ENTRY),
               "mio_completion_status has the alignment of OVERLAPPED_ENTRY");
_Static_assert(offsetof(mio_completion_status, entry.lpCompletionKey) ==
                   offsetof(OVERLAPPED_ENTRY, lpCompletionKey),
               "lpCompletionKey at the same offset");
_Static_assert(offsetof(mio_completion_status, entry.lpOverlapped) ==
                   offsetof(OVERLAPPED_ENTRY, lpOverlapped),
               "lpOverlapped at the same offset");
_Static_assert(offsetof(mio_completion_status, entry.Internal) ==
                   offsetof(OVERLAPPED_ENTRY, Internal),
               "Internal at the same offset");
_Static_assert(offsetof(mio_completion_status, entry.dwNumberOfBytesTransferred) ==
                   offsetof(OVERLAPPED_ENTRY, dwNumberOfBytesTransferred),
               "dwNumberOfBytesTransferred at the same offset");

/* The Debug text names the type, never the fields. */
static const char mio__debug_text[] = "CompletionStatus(OVERLAPPED_ENTRY)";

/* io::Result from a Win32 BOOL: 0, or the thread's last error. */
static uint32_t mio__result(BOOL ok) { return ok ? 0 : (uint32_t)GetLastError(); }

/**
 * @satisfies{IOCP-CS-2}
 * @satisfies{IOCP-CS-3}
 * @satisfies{IOCP-CS-4}
 * @seed{Key Types/CompletionStatus}
 * @mio{41,45}
 */
uint32_t mio_completion_status_debug(const mio_completion_status *self, char *buf,
                                     size_t size) {
  if (self == NULL || buf == NULL) return ERROR_INVALID_PARAMETER;
  if (size < sizeof mio__debug_text) return ERROR_INSUFFICIENT_BUFFER;
  memcpy(buf, mio__debug_text, sizeof mio__debug_text);
  return 0;
}

/* L47-48, Send and Sync for CompletionStatus: see the thread-safety note at
 * mio_completion_status in mio_iocp.h (IOCP-CS-5). */

/**
 * @satisfies{IOCP-NEW-1}
 * @satisfies{IOCP-NEW-2}
 * @satisfies{IOCP-NEW-3}
 * @satisfies{IOCP-NEW-4}
 * @seed{Key Types/CompletionPort}
 * @mio{56,65}
 */
uint32_t mio_completion_port_new(uint32_t threads, mio_completion_port *out) {
  if (out == NULL) return ERROR_INVALID_PARAMETER;
  HANDLE ret = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, threads);
  if (ret == NULL) return (uint32_t)GetLastError();
  out->handle = ret;
  return 0;
}

#if MIO_FEATURE_NET || MIO_FEATURE_OS_EXT
/**
 * mio ignores the returned handle (the port itself on success).
 * @satisfies{IOCP-ADD-1}
 * @satisfies{IOCP-ADD-2}
 * @satisfies{IOCP-ADD-3}
 * @satisfies{IOCP-ADD-4}
 * @satisfies{IOCP-ADD-5}
 * @satisfies{IOCP-ADD-6}
 * @satisfies{IOCP-ADD-7}
 * @satisfies{IOCP-ADD-8}
 * @seed{Key Types/CompletionPort}
 * @mio{77,86}
 */
uint32_t mio_completion_port_add_handle(const mio_completion_port *self, uintptr_t token,
                                        HANDLE handle) {
  if (self == NULL) return ERROR_INVALID_PARAMETER;
  HANDLE ret = CreateIoCompletionPort(handle, self->handle, token, 0);
  return ret == NULL ? (uint32_t)GetLastError() : 0;
}
#endif

/**
 * The length is clamped, not truncated, to a ULONG; the OS, not the
 * module, rejects a zero length.  The wait is never alertable.
 * @satisfies{IOCP-GM-1}
 * @satisfies{IOCP-GM-2}
 * @satisfies{IOCP-GM-3}
 * @satisfies{IOCP-GM-4}
 * @satisfies{IOCP-GM-5}
 * @satisfies{IOCP-GM-6}
 * @satisfies{IOCP-GM-7}
 * @satisfies{IOCP-GM-8}
 * @satisfies{IOCP-GM-9}
 * @satisfies{IOCP-GM-10}
 * @satisfies{IOCP-GM-11}
 * @satisfies{IOCP-GM-12}
 * @satisfies{IOCP-TEST-2}
 * @seed{Key Types/CompletionPort}
 * @mio{97,125}
 */
uint32_t mio_completion_port_get_many(const mio_completion_port *self,
                                      mio_completion_status *list, size_t len,
                                      const mio_duration *timeout, size_t *removed) {
  if (removed != NULL) *removed = 0;
  if (self == NULL || list == NULL || removed == NULL) return ERROR_INVALID_PARAMETER;
  ULONG n = 0;
  ULONG count = len > UINT32_MAX ? UINT32_MAX : (ULONG)len;
  BOOL ok = GetQueuedCompletionStatusEx(self->handle, &list->entry, count, &n,
                                        mio_duration_millis(timeout), FALSE);
  if (!ok) return mio__result(ok);
  *removed = n;
  return 0;
}

/**
 * Internal is not a parameter of PostQueuedCompletionStatus, so it is lost.
 * @satisfies{IOCP-POST-1}
 * @satisfies{IOCP-POST-2}
 * @satisfies{IOCP-POST-3}
 * @satisfies{IOCP-POST-4}
 * @satisfies{IOCP-POST-5}
 * @seed{Key Types/CompletionPort}
 * @mio{132,147}
 */
uint32_t mio_completion_port_post(const mio_completion_port *self,
                                  mio_completion_status status) {
  if (self == NULL) return ERROR_INVALID_PARAMETER;
  return mio__result(PostQueuedCompletionStatus(self->handle,
                                                status.entry.dwNumberOfBytesTransferred,
                                                status.entry.lpCompletionKey,
                                                status.entry.lpOverlapped));
}

/**
 * @satisfies{IOCP-RAW-1}
 * @satisfies{IOCP-RAW-5}
 * @seed{Dependencies and Relationships}
 * @mio{150,154}
 */
HANDLE mio_completion_port_as_raw_handle(const mio_completion_port *self) {
  return self == NULL ? NULL : self->handle;
}

/**
 * @satisfies{IOCP-RAW-2}
 * @satisfies{IOCP-RAW-5}
 * @seed{Dependencies and Relationships}
 * @mio{156,162}
 */
uint32_t mio_completion_port_from_raw_handle(HANDLE handle, mio_completion_port *out) {
  if (out == NULL) return ERROR_INVALID_PARAMETER;
  out->handle = handle;
  return 0;
}

/**
 * @satisfies{IOCP-RAW-3}
 * @satisfies{IOCP-RAW-5}
 * @seed{Dependencies and Relationships}
 * @mio{164,168}
 */
HANDLE mio_completion_port_into_raw_handle(mio_completion_port *self) {
  if (self == NULL) return NULL;
  HANDLE handle = self->handle;
  self->handle = NULL;
  return handle;
}

/**
 * The Drop of mio's Handle (handle.rs) ignores CloseHandle's result; the C
 * function returns it.
 * @satisfies{IOCP-RAW-4}
 * @satisfies{IOCP-RAW-5}
 * @seed{Key Types/CompletionPort}
 * @mio{20,22}
 */
uint32_t mio_completion_port_close(mio_completion_port *self) {
  if (self == NULL) return ERROR_INVALID_PARAMETER;
  HANDLE handle = self->handle;
  self->handle = NULL;
  return mio__result(CloseHandle(handle));
}

/**
 * @satisfies{IOCP-CSN-1}
 * @seed{Key Types/CompletionStatus}
 * @mio{176,183}
 */
mio_completion_status mio_completion_status_new(uint32_t bytes, uintptr_t token,
                                                OVERLAPPED *overlapped) {
  mio_completion_status status;
  memset(&status, 0, sizeof status); /* Internal and the padding */
  status.entry.dwNumberOfBytesTransferred = bytes;
  status.entry.lpCompletionKey = token;
  status.entry.lpOverlapped = overlapped;
  return status;
}

#if MIO_FEATURE_OS_EXT
/**
 * Zero-copy: the same address, read as the other type (IOCP-CS-1 makes
 * that valid).
 * @satisfies{IOCP-CSE-1}
 * @seed{Key Types/CompletionStatus}
 * @mio{191,196}
 */
const mio_completion_status *mio_completion_status_from_entry(const OVERLAPPED_ENTRY *entry) {
  return (const mio_completion_status *)entry;
}
#endif

/**
 * @satisfies{IOCP-CSZ-1}
 * @seed{Key Types/CompletionStatus}
 * @mio{202,204}
 */
mio_completion_status mio_completion_status_zero(void) {
  return mio_completion_status_new(0, 0, NULL);
}

/**
 * @satisfies{IOCP-CSA-1}
 * @satisfies{IOCP-CSA-5}
 * @seed{Key Types/CompletionStatus}
 * @mio{208,210}
 */
uint32_t mio_completion_status_bytes_transferred(const mio_completion_status *self) {
  return self == NULL ? 0 : self->entry.dwNumberOfBytesTransferred;
}

/**
 * @satisfies{IOCP-CSA-2}
 * @satisfies{IOCP-CSA-5}
 * @seed{Key Types/CompletionStatus}
 * @mio{217,219}
 */
uintptr_t mio_completion_status_token(const mio_completion_status *self) {
  return self == NULL ? 0 : self->entry.lpCompletionKey;
}

/**
 * @satisfies{IOCP-CSA-3}
 * @satisfies{IOCP-CSA-5}
 * @seed{Key Types/CompletionStatus}
 * @mio{223,225}
 */
OVERLAPPED *mio_completion_status_overlapped(const mio_completion_status *self) {
  return self == NULL ? NULL : self->entry.lpOverlapped;
}

/**
 * @satisfies{IOCP-CSA-4}
 * @satisfies{IOCP-CSA-5}
 * @seed{Key Types/CompletionStatus}
 * @mio{227,230}
 */
const OVERLAPPED_ENTRY *mio_completion_status_entry(const mio_completion_status *self) {
  return self == NULL ? NULL : &self->entry;
}

/**
 * Rust adds 999,999 ns with checked_add and, if that overflows, keeps the
 * unrounded value; Duration::as_millis then truncates and the result
 * saturates at u32::MAX.  Without 128-bit integers the C code cuts off at
 * 4,294,968 s, beyond which every value saturates anyway.
 * @satisfies{IOCP-DM-1}
 * @satisfies{IOCP-DM-2}
 * @satisfies{IOCP-DM-3}
 * @satisfies{IOCP-DM-4}
 * @satisfies{IOCP-DM-5}
 * @satisfies{IOCP-DM-6}
 * @satisfies{IOCP-DM-7}
 * @satisfies{IOCP-DM-8}
 * @satisfies{IOCP-DM-9}
 * @seed{Utility Functions}
 * @mio{234,248}
 */
uint32_t mio_duration_millis(const mio_duration *timeout) {
  const uint32_t nanos_per_sec = 1000000000u, nanos_per_ms = 1000000u;
  if (timeout == NULL) return UINT32_MAX;
  /* Normalise an invalid nanos the way Duration::new carries it. */
  uint64_t carry = timeout->nanos / nanos_per_sec;
  uint64_t secs = timeout->secs > UINT64_MAX - carry ? UINT64_MAX : timeout->secs + carry;
  uint32_t nanos = timeout->nanos % nanos_per_sec;
  /* checked_add(999_999 ns), falling back to the unrounded value. */
  uint32_t rounded = nanos + (nanos_per_ms - 1);
  if (rounded < nanos_per_sec) {
    nanos = rounded;
  } else if (secs < UINT64_MAX) {
    secs++;
    nanos = rounded - nanos_per_sec;
  }
  if (secs > UINT32_MAX / 1000u + 1u) return UINT32_MAX;
  uint64_t ms = secs * 1000u + nanos / nanos_per_ms;
  return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}
