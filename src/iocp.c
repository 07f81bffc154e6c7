/**
 * @file iocp.c
 * @brief mio 1.1.0 `src/sys/windows/iocp.rs` in C, in the order of the Rust file.
 *
 * Upstream: mio v1.1.0 (commit 3a1b4718), `src/sys/windows/iocp.rs`, 282
 * lines, SHA-256 480c1b05e9cb7e37baf3e5d4824ceff6af121df5993d9ce7240b26b3277588f8.
 * Read it beside that file: each function opens with the design document's
 * section and the upstream lines it mirrors, then its ACSL contract, proved
 * by `make prove`; a statement that implements a requirement of spec/iocp.md
 * ends with its ID.  The API documentation is on the declarations, in
 * mio_iocp.h.  The Win32 calls go to `<windows.h>` or to the POSIX model
 * (see win32.h).
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

/* Key Types/CompletionStatus; iocp.rs L41-45. */
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
  if (self == NULL || buf == NULL) return ERROR_INVALID_PARAMETER; /* IOCP-CS-3 */
  if (size < sizeof mio__debug_text) return ERROR_INSUFFICIENT_BUFFER; /* IOCP-CS-4 */
  memcpy(buf, mio__debug_text, sizeof mio__debug_text); /* IOCP-CS-2 */
  return 0;
}

/* L47-48, Send and Sync for CompletionStatus: see the thread-safety note at
 * mio_completion_status in mio_iocp.h (IOCP-CS-5). */

/* Key Types/CompletionPort; iocp.rs L56-65. */
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
  if (out == NULL) return ERROR_INVALID_PARAMETER; /* IOCP-NEW-4 */
  HANDLE ret = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, threads); /* IOCP-NEW-2 */
  if (ret == NULL) return (uint32_t)GetLastError(); /* IOCP-NEW-3 */
  out->handle = ret; /* IOCP-NEW-1 */
  return 0;
}

#if MIO_FEATURE_NET || MIO_FEATURE_OS_EXT /* IOCP-ADD-7 */
/* Key Types/CompletionPort; iocp.rs L77-86. */
/*@ requires self == \null || \valid_read(self);
    assigns os_last_error;
    ensures IOCP_ADD_6: self == \null ==> \result == ERROR_INVALID_PARAMETER;
    ensures IOCP_ADD_9: self != \null && self->handle == \null ==>
                        \result == ERROR_INVALID_HANDLE; */
uint32_t mio_completion_port_add_handle(const mio_completion_port *self, uintptr_t token,
                                        HANDLE handle) {
  if (self == NULL) return ERROR_INVALID_PARAMETER; /* IOCP-ADD-6 */
  if (self->handle == NULL) return ERROR_INVALID_HANDLE; /* IOCP-ADD-9 */
  /* IOCP-ADD-1 IOCP-ADD-2 IOCP-ADD-3 IOCP-ADD-4 IOCP-ADD-5 IOCP-ADD-8 */
  HANDLE ret = CreateIoCompletionPort(handle, self->handle, token, 0);
  return ret == NULL ? (uint32_t)GetLastError() : 0;
}
#endif

/* Key Types/CompletionPort; iocp.rs L97-125. */
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
  if (self == NULL || list == NULL || removed == NULL) /* IOCP-GM-8 */
    return ERROR_INVALID_PARAMETER;
  ULONG n = 0;
  ULONG count = len > UINT32_MAX ? UINT32_MAX : (ULONG)len; /* IOCP-GM-7 */
  /* IOCP-GM-1 IOCP-GM-2 IOCP-GM-3 IOCP-GM-4 IOCP-GM-5 IOCP-GM-6 IOCP-GM-9 IOCP-GM-10 IOCP-GM-12
   * IOCP-CP-2 IOCP-TEST-2 */
  BOOL ok = GetQueuedCompletionStatusEx(self->handle, &list->entry, count, &n,
                                        mio_duration_millis(timeout), FALSE); /* IOCP-GM-11 */
  if (!ok) return mio__result(ok);
  if (n > count) return ERROR_INVALID_PARAMETER; /* IOCP-GM-13 */
  *removed = n;
  return 0;
}

/* Key Types/CompletionPort; iocp.rs L132-147. */
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
  if (self == NULL) return ERROR_INVALID_PARAMETER; /* IOCP-POST-4 */
  /* IOCP-POST-1 IOCP-POST-2 IOCP-POST-3 IOCP-POST-5 IOCP-CP-2 */
  return mio__result(PostQueuedCompletionStatus(self->handle,
                                                status.entry.dwNumberOfBytesTransferred,
                                                status.entry.lpCompletionKey,
                                                status.entry.lpOverlapped));
}

/* Dependencies and Relationships; iocp.rs L150-154. */
/*@ requires self == \null || \valid_read(self);
    assigns \nothing;
    ensures IOCP_RAW_1: self != \null ==> \result == self->handle;
    ensures IOCP_RAW_5: self == \null ==> \result == \null; */
HANDLE mio_completion_port_as_raw_handle(const mio_completion_port *self) {
  return self == NULL ? NULL : self->handle; /* IOCP-RAW-5 IOCP-RAW-1 */
}

/* Dependencies and Relationships; iocp.rs L156-162. */
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
  if (out == NULL) return ERROR_INVALID_PARAMETER; /* IOCP-RAW-5 */
  out->handle = handle; /* IOCP-RAW-2 */
  return 0;
}

/* Dependencies and Relationships; iocp.rs L164-168. */
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
  if (self == NULL) return NULL; /* IOCP-RAW-5 */
  HANDLE handle = self->handle;
  self->handle = NULL; /* IOCP-RAW-3 */
  return handle;
}

/* Key Types/CompletionPort; iocp.rs L20-22. */
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
  if (self == NULL) return ERROR_INVALID_PARAMETER; /* IOCP-RAW-5 */
  HANDLE handle = self->handle;
  self->handle = NULL;
  return mio__result(CloseHandle(handle)); /* IOCP-RAW-4 */
}

/* Key Types/CompletionStatus; iocp.rs L176-183. */
/*@ assigns \nothing;
    ensures IOCP_CSN_1: \result.entry.dwNumberOfBytesTransferred == bytes &&
                        \result.entry.lpCompletionKey == token &&
                        \result.entry.lpOverlapped == overlapped && \result.entry.Internal == 0; */
mio_completion_status mio_completion_status_new(uint32_t bytes, uintptr_t token,
                                                OVERLAPPED *overlapped) {
  /* IOCP-CSN-1 */
  mio_completion_status status = {{.lpCompletionKey = token, .lpOverlapped = overlapped,
                                   .Internal = 0, .dwNumberOfBytesTransferred = bytes}};
  return status;
}

#if MIO_FEATURE_OS_EXT
/* Key Types/CompletionStatus; iocp.rs L191-196. */
/*@ assigns \nothing;
    ensures IOCP_CSE_1: \result == (const mio_completion_status *)entry;
    ensures IOCP_CSE_2: entry == \null ==> \result == \null; */
const mio_completion_status *mio_completion_status_from_entry(const OVERLAPPED_ENTRY *entry) {
  return (const mio_completion_status *)entry; /* IOCP-CSE-1 IOCP-CSE-2 */
}
#endif

/* Key Types/CompletionStatus; iocp.rs L202-204. */
/*@ assigns \nothing;
    ensures IOCP_CSZ_1: \result.entry.dwNumberOfBytesTransferred == 0 &&
                        \result.entry.lpCompletionKey == 0 && \result.entry.lpOverlapped == \null &&
                        \result.entry.Internal == 0; */
mio_completion_status mio_completion_status_zero(void) {
  return mio_completion_status_new(0, 0, NULL); /* IOCP-CSZ-1 */
}

/* Key Types/CompletionStatus; iocp.rs L208-210. */
/*@ requires self == \null || \valid_read(self);
    assigns \nothing;
    ensures IOCP_CSA_1: self != \null ==> \result == self->entry.dwNumberOfBytesTransferred;
    ensures IOCP_CSA_5: self == \null ==> \result == 0; */
uint32_t mio_completion_status_bytes_transferred(const mio_completion_status *self) {
  return self == NULL ? 0 : self->entry.dwNumberOfBytesTransferred; /* IOCP-CSA-5 IOCP-CSA-1 */
}

/* Key Types/CompletionStatus; iocp.rs L217-219. */
/*@ requires self == \null || \valid_read(self);
    assigns \nothing;
    ensures IOCP_CSA_2: self != \null ==> \result == self->entry.lpCompletionKey;
    ensures IOCP_CSA_5: self == \null ==> \result == 0; */
uintptr_t mio_completion_status_token(const mio_completion_status *self) {
  return self == NULL ? 0 : self->entry.lpCompletionKey; /* IOCP-CSA-5 IOCP-CSA-2 */
}

/* Key Types/CompletionStatus; iocp.rs L223-225. */
/*@ requires self == \null || \valid_read(self);
    assigns \nothing;
    ensures IOCP_CSA_3: self != \null ==> \result == self->entry.lpOverlapped;
    ensures IOCP_CSA_5: self == \null ==> \result == \null; */
OVERLAPPED *mio_completion_status_overlapped(const mio_completion_status *self) {
  return self == NULL ? NULL : self->entry.lpOverlapped; /* IOCP-CSA-5 IOCP-CSA-3 */
}

/* Key Types/CompletionStatus; iocp.rs L227-230. */
/*@ requires self == \null || \valid_read(self);
    assigns \nothing;
    ensures IOCP_CSA_4: self != \null ==> \result == &self->entry;
    ensures IOCP_CSA_5: self == \null ==> \result == \null; */
const OVERLAPPED_ENTRY *mio_completion_status_entry(const mio_completion_status *self) {
  return self == NULL ? NULL : &self->entry; /* IOCP-CSA-5 IOCP-CSA-4 */
}

/*@ // duration_millis in mathematical integers: Rust's Duration after
    // Duration::new's carry (saturating), and its milliseconds rounded up.
    logic integer dm_secs(mio_duration d) =
      d.secs + d.nanos / 1000000000 > 18446744073709551615 ? 18446744073709551615
                                                           : d.secs + d.nanos / 1000000000;
    logic integer dm_nanos(mio_duration d) = d.nanos % 1000000000;
    logic integer dm_ceil_ms(mio_duration d) =
      dm_secs(d) * 1000 + (dm_nanos(d) + 999999) / 1000000; */

/* Utility Functions; iocp.rs L234-248. */
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
  if (timeout == NULL) return UINT32_MAX; /* IOCP-DM-1 */
  /* Normalise an invalid nanos the way Duration::new carries it. */
  uint64_t carry = timeout->nanos / nanos_per_sec; /* IOCP-DM-9 */
  uint64_t secs = timeout->secs > UINT64_MAX - carry ? UINT64_MAX : timeout->secs + carry;
  uint32_t nanos = timeout->nanos % nanos_per_sec;
  /* checked_add(999_999 ns), falling back to the unrounded value. */
  uint32_t rounded = nanos + (nanos_per_ms - 1); /* IOCP-DM-2 IOCP-DM-3 IOCP-DM-4 IOCP-DM-5 */
  if (rounded < nanos_per_sec) {
    nanos = rounded;
  } else if (secs < UINT64_MAX) { /* IOCP-DM-8 */
    secs++;
    nanos = rounded - nanos_per_sec;
  }
  if (secs > UINT32_MAX / 1000u + 1u) return UINT32_MAX;
  uint64_t ms = secs * 1000u + nanos / nanos_per_ms;
  return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms; /* IOCP-DM-6 IOCP-DM-7 */
}
