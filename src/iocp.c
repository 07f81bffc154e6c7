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
/*@ assigns \nothing;
    ensures ok != FALSE ==> \result == 0;
    ensures ok == FALSE ==> \result == os_last_error; */
static uint32_t mio__result(BOOL ok) { return ok ? 0 : (uint32_t)GetLastError(); }

/**
 * @brief Writes the Debug text `CompletionStatus(OVERLAPPED_ENTRY)`.
 * @param self The status; its fields are not shown, as in mio.
 * @param buf Receives the text and its terminating NUL.
 * @param size Size of @p buf; at least 35.
 * @return 0; 87 for NULL pointers; 122 if @p size is too small (@p buf untouched).
 *
 * @seed{Key Types/CompletionStatus}
 * @mio{41,45}
 *
 * @satisfies{IOCP-CS-2}
 * @satisfies{IOCP-CS-3}
 * @satisfies{IOCP-CS-4}
 * @contract{debug}
 */
/* [snippet-debug] */
/*@ requires self == \null || \valid_read(self);
    requires buf == \null || \valid(buf + (0 .. size - 1));
    behavior null_argument:
      assumes self == \null || buf == \null;
      assigns \nothing;
      ensures IOCP_CS_3: \result == ERROR_INVALID_PARAMETER;
    behavior too_small:
      assumes self != \null && buf != \null && size < sizeof(mio__debug_text);
      assigns \nothing;
      ensures IOCP_CS_4: \result == ERROR_INSUFFICIENT_BUFFER;
    behavior written:
      assumes self != \null && buf != \null && size >= sizeof(mio__debug_text);
      assigns buf[0 .. sizeof(mio__debug_text) - 1];
      ensures IOCP_CS_2: \result == 0 && \forall integer i; 0 <= i < sizeof(mio__debug_text) ==>
                         buf[i] == mio__debug_text[i];
    complete behaviors;
    disjoint behaviors; */
uint32_t mio_completion_status_debug(const mio_completion_status *self, char *buf,
                                     size_t size) {
  if (self == NULL || buf == NULL) return ERROR_INVALID_PARAMETER;
  if (size < sizeof mio__debug_text) return ERROR_INSUFFICIENT_BUFFER;
  memcpy(buf, mio__debug_text, sizeof mio__debug_text);
  return 0;
}
/* [snippet-debug] */

/* L47-48, Send and Sync for CompletionStatus: see the thread-safety note at
 * mio_completion_status in mio_iocp.h (IOCP-CS-5). */

/**
 * @brief Creates a port with the given concurrency value (`new`).
 * @param threads Concurrency value passed to the OS; 0 means one per processor.
 * @param out Receives the port on success; untouched on failure.
 * @return 0, or the OS error (87 if @p out is NULL).
 *
 * @seed{Key Types/CompletionPort}
 * @mio{56,65}
 *
 * @satisfies{IOCP-NEW-1}
 * @satisfies{IOCP-NEW-2}
 * @satisfies{IOCP-NEW-3}
 * @satisfies{IOCP-NEW-4}
 * @contract{new}
 */
/* [snippet-new] */
/*@ requires out == \null || \valid(out);
    behavior no_output:
      assumes out == \null;
      assigns \nothing;
      ensures IOCP_NEW_4: \result == ERROR_INVALID_PARAMETER;
    behavior output:
      assumes out != \null;
      assigns *out, os_last_error;
      ensures IOCP_NEW_3: \result != 0 ==> out->handle == \old(out->handle);
    complete behaviors;
    disjoint behaviors; */
uint32_t mio_completion_port_new(uint32_t threads, mio_completion_port *out) {
  if (out == NULL) return ERROR_INVALID_PARAMETER;
  HANDLE ret = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, threads);
  if (ret == NULL) return (uint32_t)GetLastError();
  out->handle = ret;
  return 0;
}
/* [snippet-new] */

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
 * @seed{Key Types/CompletionPort}
 * @mio{77,86}
 *
 * @satisfies{IOCP-ADD-1}
 * @satisfies{IOCP-ADD-2}
 * @satisfies{IOCP-ADD-3}
 * @satisfies{IOCP-ADD-4}
 * @satisfies{IOCP-ADD-5}
 * @satisfies{IOCP-ADD-6}
 * @satisfies{IOCP-ADD-7}
 * @satisfies{IOCP-ADD-8}
 * @satisfies{IOCP-ADD-9}
 * @contract{add_handle}
 */
/* [snippet-add_handle] */
/*@ requires self == \null || \valid_read(self);
    assigns os_last_error;
    ensures IOCP_ADD_6: self == \null ==> \result == ERROR_INVALID_PARAMETER;
    ensures IOCP_ADD_9: self != \null && self->handle == \null ==> \result == ERROR_INVALID_HANDLE; */
uint32_t mio_completion_port_add_handle(const mio_completion_port *self, uintptr_t token,
                                        HANDLE handle) {
  if (self == NULL) return ERROR_INVALID_PARAMETER;
  if (self->handle == NULL) return ERROR_INVALID_HANDLE; /* IOCP-ADD-9: "refuse it with 6" */
  HANDLE ret = CreateIoCompletionPort(handle, self->handle, token, 0);
  return ret == NULL ? (uint32_t)GetLastError() : 0;
}
/* [snippet-add_handle] */
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
 * @seed{Key Types/CompletionPort}
 * @mio{97,125}
 *
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
 * @satisfies{IOCP-GM-13}
 * @satisfies{IOCP-TEST-2}
 * @satisfies{IOCP-CP-2}
 * @contract{get_many}
 */
/* [snippet-get_many] */
/*@ requires self == \null || \valid_read(self);
    requires removed == \null || \valid(removed);
    requires list == \null || \valid(list + (0 .. len - 1));
    requires timeout == \null || \valid_read(timeout);
    requires \separated(removed, list + (0 .. len - 1));
    behavior no_removed:
      assumes removed == \null;
      assigns \nothing;
      ensures IOCP_GM_8: \result == ERROR_INVALID_PARAMETER;
    behavior null_argument:
      assumes removed != \null && (self == \null || list == \null);
      assigns *removed;
      ensures IOCP_GM_8: \result == ERROR_INVALID_PARAMETER && *removed == 0;
    behavior dequeue:
      assumes removed != \null && self != \null && list != \null;
      assigns *removed, os_count, os_last_error,
              list[0 .. (len > 4294967295 ? 4294967295 : len) - 1];
      ensures IOCP_GM_7: os_count == (len > 4294967295 ? 4294967295 : len);
      ensures IOCP_GM_13: *removed <= len && (\result != 0 ==> *removed == 0);
      ensures IOCP_GM_6: len == 0 ==> \result == ERROR_INVALID_PARAMETER && *removed == 0;
    complete behaviors;
    disjoint behaviors; */
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
  if (n > count) return ERROR_INVALID_PARAMETER; /* IOCP-GM-13: "never more than len" */
  *removed = n;
  return 0;
}
/* [snippet-get_many] */

/**
 * @brief Posts @p status to the port (`post`).
 * @param self The port.
 * @param status Bytes, token and overlapped pointer to post; its Internal is not sent.
 * @return 0, or the OS error (87 if @p self is NULL).
 *
 * Internal is not a parameter of PostQueuedCompletionStatus, so it is lost.
 * Safe to call from many threads at once (IOCP-CP-2), as get_many is.
 *
 * @seed{Key Types/CompletionPort}
 * @mio{132,147}
 *
 * @satisfies{IOCP-POST-1}
 * @satisfies{IOCP-POST-2}
 * @satisfies{IOCP-POST-3}
 * @satisfies{IOCP-POST-4}
 * @satisfies{IOCP-POST-5}
 * @satisfies{IOCP-CP-2}
 * @contract{post}
 */
/* [snippet-post] */
/*@ requires self == \null || \valid_read(self);
    behavior no_port:
      assumes self == \null;
      assigns \nothing;
      ensures IOCP_POST_4: \result == ERROR_INVALID_PARAMETER;
    behavior post:
      assumes self != \null;
      assigns os_post_bytes, os_post_key, os_post_overlapped, os_last_error;
      ensures IOCP_POST_1: os_post_bytes == status.entry.dwNumberOfBytesTransferred &&
                           os_post_key == status.entry.lpCompletionKey &&
                           os_post_overlapped == status.entry.lpOverlapped;
    complete behaviors;
    disjoint behaviors; */
uint32_t mio_completion_port_post(const mio_completion_port *self,
                                  mio_completion_status status) {
  if (self == NULL) return ERROR_INVALID_PARAMETER;
  return mio__result(PostQueuedCompletionStatus(self->handle,
                                                status.entry.dwNumberOfBytesTransferred,
                                                status.entry.lpCompletionKey,
                                                status.entry.lpOverlapped));
}
/* [snippet-post] */

/**
 * @brief The port's HANDLE, still owned by the port (`as_raw_handle`).
 * @param self The port.
 * @return The handle, or NULL if @p self is NULL.
 *
 * @seed{Dependencies and Relationships}
 * @mio{150,154}
 *
 * @satisfies{IOCP-RAW-1}
 * @satisfies{IOCP-RAW-5}
 * @contract{as_raw_handle}
 */
/* [snippet-as_raw_handle] */
/*@ requires self == \null || \valid_read(self);
    assigns \nothing;
    ensures IOCP_RAW_1: self != \null ==> \result == self->handle;
    ensures IOCP_RAW_5: self == \null ==> \result == \null; */
HANDLE mio_completion_port_as_raw_handle(const mio_completion_port *self) {
  return self == NULL ? NULL : self->handle;
}
/* [snippet-as_raw_handle] */

/**
 * @brief Makes a port that takes ownership of @p handle (`from_raw_handle`).
 * @param handle A port handle; not checked, as in Rust, where this is `unsafe`.
 * @param out Receives the port.
 * @return 0, or 87 if @p out is NULL.
 *
 * @seed{Dependencies and Relationships}
 * @mio{156,162}
 *
 * @satisfies{IOCP-RAW-2}
 * @satisfies{IOCP-RAW-5}
 * @contract{from_raw_handle}
 */
/* [snippet-from_raw_handle] */
/*@ requires out == \null || \valid(out);
    behavior no_output:
      assumes out == \null;
      assigns \nothing;
      ensures IOCP_RAW_5: \result == ERROR_INVALID_PARAMETER;
    behavior output:
      assumes out != \null;
      assigns *out;
      ensures IOCP_RAW_2: \result == 0 && out->handle == handle;
    complete behaviors;
    disjoint behaviors; */
uint32_t mio_completion_port_from_raw_handle(HANDLE handle, mio_completion_port *out) {
  if (out == NULL) return ERROR_INVALID_PARAMETER;
  out->handle = handle;
  return 0;
}
/* [snippet-from_raw_handle] */

/**
 * @brief Gives the HANDLE away without closing it (`into_raw_handle`).
 *
 * The port is left empty (NULL handle), like a moved-from value.
 * @param self The port.
 * @return The handle, now owned by the caller, or NULL if @p self is NULL.
 *
 * @seed{Dependencies and Relationships}
 * @mio{164,168}
 *
 * @satisfies{IOCP-RAW-3}
 * @satisfies{IOCP-RAW-5}
 * @contract{into_raw_handle}
 */
/* [snippet-into_raw_handle] */
/*@ requires self == \null || \valid(self);
    behavior no_port:
      assumes self == \null;
      assigns \nothing;
      ensures IOCP_RAW_5: \result == \null;
    behavior port:
      assumes self != \null;
      assigns self->handle;
      ensures IOCP_RAW_3: \result == \old(self->handle) && self->handle == \null;
    complete behaviors;
    disjoint behaviors; */
HANDLE mio_completion_port_into_raw_handle(mio_completion_port *self) {
  if (self == NULL) return NULL;
  HANDLE handle = self->handle;
  self->handle = NULL;
  return handle;
}
/* [snippet-into_raw_handle] */

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
 * @seed{Key Types/CompletionPort}
 * @mio{20,22}
 *
 * @satisfies{IOCP-RAW-4}
 * @satisfies{IOCP-RAW-5}
 * @contract{close}
 */
/* [snippet-close] */
/*@ requires self == \null || \valid(self);
    behavior no_port:
      assumes self == \null;
      assigns \nothing;
      ensures IOCP_RAW_5: \result == ERROR_INVALID_PARAMETER;
    behavior port:
      assumes self != \null;
      assigns self->handle, os_closed, os_last_error;
      ensures IOCP_RAW_4: os_closed == \old(self->handle) && self->handle == \null;
    complete behaviors;
    disjoint behaviors; */
uint32_t mio_completion_port_close(mio_completion_port *self) {
  if (self == NULL) return ERROR_INVALID_PARAMETER;
  HANDLE handle = self->handle;
  self->handle = NULL;
  return mio__result(CloseHandle(handle));
}
/* [snippet-close] */

/**
 * @brief A status with the given values and Internal 0 (`new`).
 * @param bytes Byte count.
 * @param token Completion key.
 * @param overlapped Pointer value, passed through uninterpreted.
 * @return The status.
 *
 * @seed{Key Types/CompletionStatus}
 * @mio{176,183}
 *
 * @satisfies{IOCP-CSN-1}
 * @contract{status_new}
 */
/* [snippet-status_new] */
/*@ assigns \nothing;
    ensures IOCP_CSN_1: \result.entry.dwNumberOfBytesTransferred == bytes &&
                        \result.entry.lpCompletionKey == token &&
                        \result.entry.lpOverlapped == overlapped && \result.entry.Internal == 0; */
mio_completion_status mio_completion_status_new(uint32_t bytes, uintptr_t token,
                                                OVERLAPPED *overlapped) {
  mio_completion_status status = {{.lpCompletionKey = token, .lpOverlapped = overlapped,
                                   .Internal = 0, .dwNumberOfBytesTransferred = bytes}};
  return status;
}
/* [snippet-status_new] */

#if MIO_FEATURE_OS_EXT
/**
 * @brief Views an OVERLAPPED_ENTRY as a status, without copying (`from_entry`).
 * @param entry The entry.
 * @return The same address as a status; NULL for NULL, as a plain cast gives.
 *
 * Zero-copy: the same address, read as the other type (IOCP-CS-1 makes
 * that valid).
 *
 * @seed{Key Types/CompletionStatus}
 * @mio{191,196}
 *
 * @satisfies{IOCP-CSE-1}
 * @satisfies{IOCP-CSE-2}
 * @contract{from_entry}
 */
/* [snippet-from_entry] */
/*@ assigns \nothing;
    ensures IOCP_CSE_1: \result == (const mio_completion_status *)entry;
    ensures IOCP_CSE_2: entry == \null ==> \result == \null; */
const mio_completion_status *mio_completion_status_from_entry(const OVERLAPPED_ENTRY *entry) {
  return (const mio_completion_status *)entry;
}
/* [snippet-from_entry] */
#endif

/**
 * @brief The all-zero status, for get_many buffers (`zero`).
 * @return mio_completion_status_new(0, 0, NULL).
 *
 * @seed{Key Types/CompletionStatus}
 * @mio{202,204}
 *
 * @satisfies{IOCP-CSZ-1}
 * @contract{zero}
 */
/* [snippet-zero] */
/*@ assigns \nothing;
    ensures IOCP_CSZ_1: \result.entry.dwNumberOfBytesTransferred == 0 &&
                        \result.entry.lpCompletionKey == 0 && \result.entry.lpOverlapped == \null &&
                        \result.entry.Internal == 0; */
mio_completion_status mio_completion_status_zero(void) {
  return mio_completion_status_new(0, 0, NULL);
}
/* [snippet-zero] */

/**
 * @brief Bytes transferred (`bytes_transferred`).
 * @param self The status.
 * @return Its byte count, or 0 if @p self is NULL.
 *
 * @seed{Key Types/CompletionStatus}
 * @mio{208,210}
 *
 * @satisfies{IOCP-CSA-1}
 * @satisfies{IOCP-CSA-5}
 * @contract{bytes_transferred}
 */
/* [snippet-bytes_transferred] */
/*@ requires self == \null || \valid_read(self);
    assigns \nothing;
    ensures IOCP_CSA_1: self != \null ==> \result == self->entry.dwNumberOfBytesTransferred;
    ensures IOCP_CSA_5: self == \null ==> \result == 0; */
uint32_t mio_completion_status_bytes_transferred(const mio_completion_status *self) {
  return self == NULL ? 0 : self->entry.dwNumberOfBytesTransferred;
}
/* [snippet-bytes_transferred] */

/**
 * @brief Completion key (`token`).
 * @param self The status.
 * @return Its key, or 0 if @p self is NULL.
 *
 * @seed{Key Types/CompletionStatus}
 * @mio{217,219}
 *
 * @satisfies{IOCP-CSA-2}
 * @satisfies{IOCP-CSA-5}
 * @contract{token}
 */
/* [snippet-token] */
/*@ requires self == \null || \valid_read(self);
    assigns \nothing;
    ensures IOCP_CSA_2: self != \null ==> \result == self->entry.lpCompletionKey;
    ensures IOCP_CSA_5: self == \null ==> \result == 0; */
uintptr_t mio_completion_status_token(const mio_completion_status *self) {
  return self == NULL ? 0 : self->entry.lpCompletionKey;
}
/* [snippet-token] */

/**
 * @brief OVERLAPPED pointer (`overlapped`).
 * @param self The status.
 * @return Its pointer, or NULL if @p self is NULL.
 *
 * @seed{Key Types/CompletionStatus}
 * @mio{223,225}
 *
 * @satisfies{IOCP-CSA-3}
 * @satisfies{IOCP-CSA-5}
 * @contract{overlapped}
 */
/* [snippet-overlapped] */
/*@ requires self == \null || \valid_read(self);
    assigns \nothing;
    ensures IOCP_CSA_3: self != \null ==> \result == self->entry.lpOverlapped;
    ensures IOCP_CSA_5: self == \null ==> \result == \null; */
OVERLAPPED *mio_completion_status_overlapped(const mio_completion_status *self) {
  return self == NULL ? NULL : self->entry.lpOverlapped;
}
/* [snippet-overlapped] */

/**
 * @brief The wrapped OVERLAPPED_ENTRY (`entry`).
 * @param self The status.
 * @return Its address as an entry, or NULL if @p self is NULL.
 *
 * @seed{Key Types/CompletionStatus}
 * @mio{227,230}
 *
 * @satisfies{IOCP-CSA-4}
 * @satisfies{IOCP-CSA-5}
 * @contract{entry}
 */
/* [snippet-entry] */
/*@ requires self == \null || \valid_read(self);
    assigns \nothing;
    ensures IOCP_CSA_4: self != \null ==> \result == &self->entry;
    ensures IOCP_CSA_5: self == \null ==> \result == \null; */
const OVERLAPPED_ENTRY *mio_completion_status_entry(const mio_completion_status *self) {
  return self == NULL ? NULL : &self->entry;
}
/* [snippet-entry] */

/*@ // duration_millis in mathematical integers: Rust's Duration after
    // Duration::new's carry (saturating), and its milliseconds rounded up.
    logic integer dm_secs(mio_duration d) =
      d.secs + d.nanos / 1000000000 > 18446744073709551615 ? 18446744073709551615
                                                           : d.secs + d.nanos / 1000000000;
    logic integer dm_nanos(mio_duration d) = d.nanos % 1000000000;
    logic integer dm_ceil_ms(mio_duration d) =
      dm_secs(d) * 1000 + (dm_nanos(d) + 999999) / 1000000; */

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
 * @seed{Utility Functions}
 * @mio{234,248}
 *
 * @satisfies{IOCP-DM-1}
 * @satisfies{IOCP-DM-2}
 * @satisfies{IOCP-DM-3}
 * @satisfies{IOCP-DM-4}
 * @satisfies{IOCP-DM-5}
 * @satisfies{IOCP-DM-6}
 * @satisfies{IOCP-DM-7}
 * @satisfies{IOCP-DM-8}
 * @satisfies{IOCP-DM-9}
 * @contract{duration_millis}
 */
/* [snippet-duration_millis] */
/*@ requires timeout == \null || \valid_read(timeout);
    assigns \nothing;
    behavior none:
      assumes timeout == \null;
      ensures IOCP_DM_1: \result == 4294967295;
    behavior some:
      assumes timeout != \null;
      ensures IOCP_DM_2: timeout->secs == 0 && timeout->nanos == 0 ==> \result == 0;
      ensures IOCP_DM_3: timeout->secs == 0 && 0 < timeout->nanos < 1000000 ==> \result == 1;
      ensures IOCP_DM_4: timeout->nanos % 1000000 == 0 && dm_ceil_ms(*timeout) <= 4294967295 ==>
                         \result == timeout->secs * 1000 + timeout->nanos / 1000000;
      ensures IOCP_DM_5: dm_ceil_ms(*timeout) <= 4294967295 ==> \result == dm_ceil_ms(*timeout);
      ensures IOCP_DM_6: dm_ceil_ms(*timeout) > 4294967295 ==> \result == 4294967295;
      ensures IOCP_DM_7: dm_secs(*timeout) * 1000000000 + dm_nanos(*timeout) >= 4294967294000001 ==>
                         \result == 4294967295;
      ensures IOCP_DM_8: timeout->secs == 18446744073709551615 && timeout->nanos == 999999999 ==>
                         \result == 4294967295;
      ensures IOCP_DM_9: timeout->nanos >= 1000000000 ==>
                         \result == (dm_ceil_ms(*timeout) > 4294967295 ? 4294967295
                                                                        : dm_ceil_ms(*timeout));
    complete behaviors;
    disjoint behaviors; */
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
/* [snippet-duration_millis] */
