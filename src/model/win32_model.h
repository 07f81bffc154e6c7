/**
 * @file win32_model.h
 * @brief The POSIX model of the Win32 I/O completion port API.
 *
 * The subset of `<windows.h>` that iocp.c uses, with the same names, types,
 * constants, error codes and x86_64 struct layouts, so the module's text
 * compiles unchanged on Linux.  Behaviour follows Windows where Windows and
 * Wine differ; each function names the requirements of spec/os.md it meets.
 *
 * ReadFile() and WriteFile() perform overlapped I/O on descriptor handles:
 * a request that completes at once still queues a packet on the associated
 * port, one that cannot complete yet is finished by the model's I/O thread,
 * and a synchronous failure queues none, as on Windows.
 *
 * Two calls are the model's own (lower case, `iocp_model_` prefix):
 * iocp_model_handle_from_fd() gives a file descriptor a HANDLE, and
 * iocp_model_inject_fault() makes an allocation, the I/O thread or a descriptor
 * fail for tests, and iocp_model_stats() says what the model holds, for leak
 * checks.
 */
#ifndef MIO_WIN32_MODEL_H
#define MIO_WIN32_MODEL_H

#ifndef MIO_WIN32_H
#error "include win32.h (or mio_iocp.h), which picks this header and defines MIO_EXTERN"
#endif

#include <stddef.h>
#include <stdint.h>

/** @name Win32 scalar types (LLP64 widths on x86_64) */
/**@{*/
typedef int BOOL;              /**< Win32 boolean: 0 is FALSE. */
typedef uint32_t DWORD;        /**< 32-bit unsigned. */
typedef uint32_t ULONG;        /**< 32-bit unsigned (LLP64 long). */
typedef ULONG *PULONG;         /**< Pointer to ULONG. */
typedef uintptr_t ULONG_PTR;   /**< Pointer-sized unsigned. */
typedef void *PVOID;           /**< Untyped pointer. */
typedef void *HANDLE;          /**< Kernel object handle. */
typedef DWORD *LPDWORD;        /**< Pointer to DWORD. */
typedef void *LPVOID;          /**< Buffer pointer. */
typedef const void *LPCVOID;   /**< Read-only buffer pointer. */
/**@}*/

/** @name Win32 constants */
/**@{*/
#define TRUE 1                              /**< Win32 true. */
#define FALSE 0                             /**< Win32 false. */
#define INVALID_HANDLE_VALUE ((HANDLE)(intptr_t)-1) /**< Not a handle. */
#define INFINITE 0xFFFFFFFFu                /**< Wait without time limit. */
#define FILE_FLAG_OVERLAPPED 0x40000000u    /**< Open for overlapped I/O. */
/**@}*/

/** @name Win32 error codes the model returns */
/**@{*/
#define ERROR_SUCCESS 0u                /**< No error. */
#define ERROR_TOO_MANY_OPEN_FILES 4u    /**< No descriptor is free. */
#define ERROR_INVALID_HANDLE 6u         /**< Bad, closed or wrong-type handle. */
#define ERROR_GEN_FAILURE 31u           /**< An I/O error without a closer code. */
#define ERROR_INVALID_PARAMETER 87u     /**< An argument is out of range. */
#define ERROR_BROKEN_PIPE 109u          /**< The other end of the pipe is closed. */
#define ERROR_INSUFFICIENT_BUFFER 122u  /**< The caller's buffer is too small. */
#define ERROR_NO_DATA 232u              /**< A write to a pipe whose other end is closed. */
#define WAIT_TIMEOUT 258u               /**< The wait timed out. */
#define ERROR_ABANDONED_WAIT_0 735u     /**< The port was closed during the wait. */
#define ERROR_IO_PENDING 997u           /**< The request completes later, through the port. */
#define ERROR_NOACCESS 998u             /**< An output pointer is not writable. */
#define ERROR_NO_SYSTEM_RESOURCES 1450u /**< Out of memory for a kernel object or packet. */
/**@}*/

/** Overlapped I/O control block; 32 bytes, Windows x64 offsets. */
typedef struct _OVERLAPPED {
  ULONG_PTR Internal;     /**< NTSTATUS of the request (offset 0). */
  ULONG_PTR InternalHigh; /**< Bytes transferred (offset 8). */
  union {
    struct {
      DWORD Offset;     /**< Low file offset (offset 16). */
      DWORD OffsetHigh; /**< High file offset (offset 20). */
    };
    PVOID Pointer; /**< Reserved (offset 16). */
  };
  HANDLE hEvent; /**< Event to signal (offset 24). */
} OVERLAPPED;

/** Pointer to OVERLAPPED. */
typedef OVERLAPPED *LPOVERLAPPED;

/** One dequeued completion packet; 32 bytes, Windows x64 offsets. */
typedef struct _OVERLAPPED_ENTRY {
  ULONG_PTR lpCompletionKey;       /**< Key of the handle or post (offset 0). */
  LPOVERLAPPED lpOverlapped;       /**< Request pointer, never dereferenced (offset 8). */
  ULONG_PTR Internal;              /**< Packet status, 0 for posts (offset 16). */
  DWORD dwNumberOfBytesTransferred; /**< Byte count (offset 24). */
} OVERLAPPED_ENTRY;

/** Pointer to OVERLAPPED_ENTRY. */
typedef OVERLAPPED_ENTRY *LPOVERLAPPED_ENTRY;

_Static_assert(sizeof(OVERLAPPED) == 32, "OVERLAPPED is 32 bytes on x64");
_Static_assert(offsetof(OVERLAPPED, InternalHigh) == 8, "OVERLAPPED.InternalHigh @8");
_Static_assert(offsetof(OVERLAPPED, Offset) == 16, "OVERLAPPED.Offset @16");
_Static_assert(offsetof(OVERLAPPED, OffsetHigh) == 20, "OVERLAPPED.OffsetHigh @20");
_Static_assert(offsetof(OVERLAPPED, Pointer) == 16, "OVERLAPPED.Pointer @16");
_Static_assert(offsetof(OVERLAPPED, hEvent) == 24, "OVERLAPPED.hEvent @24");
_Static_assert(sizeof(OVERLAPPED_ENTRY) == 32, "OVERLAPPED_ENTRY is 32 bytes on x64");
_Static_assert(_Alignof(OVERLAPPED_ENTRY) == 8, "OVERLAPPED_ENTRY aligns to 8");
_Static_assert(offsetof(OVERLAPPED_ENTRY, lpOverlapped) == 8, "lpOverlapped @8");
_Static_assert(offsetof(OVERLAPPED_ENTRY, Internal) == 16, "Internal @16");
_Static_assert(offsetof(OVERLAPPED_ENTRY, dwNumberOfBytesTransferred) == 24,
               "dwNumberOfBytesTransferred @24");

/* Link-time names.  The model's Win32 functions keep their Win32 names in
 * the source, so the module's text is the same on both substrates, and are
 * linked as `mio_win32_` + the name, so that they never clash with another
 * Win32 layer or a program's own ReadFile. */
/** @cond LINK_NAMES */
#define CreateIoCompletionPort mio_win32_CreateIoCompletionPort
#define PostQueuedCompletionStatus mio_win32_PostQueuedCompletionStatus
#define GetQueuedCompletionStatusEx mio_win32_GetQueuedCompletionStatusEx
#define ReadFile mio_win32_ReadFile
#define WriteFile mio_win32_WriteFile
#define CloseHandle mio_win32_CloseHandle
#define GetLastError mio_win32_GetLastError
#define SetLastError mio_win32_SetLastError
/** @endcond */

/* Creates a completion port, or associates a file handle with one. */
MIO_EXTERN HANDLE CreateIoCompletionPort(HANDLE FileHandle, HANDLE ExistingCompletionPort,
                              ULONG_PTR CompletionKey, DWORD NumberOfConcurrentThreads);

/* Queues a packet with the given values, uninterpreted. */
MIO_EXTERN BOOL PostQueuedCompletionStatus(HANDLE CompletionPort, DWORD dwNumberOfBytesTransferred,
                                ULONG_PTR dwCompletionKey, LPOVERLAPPED lpOverlapped);

/* Dequeues up to ulCount packets, waiting only while the port is empty. */
MIO_EXTERN BOOL GetQueuedCompletionStatusEx(HANDLE CompletionPort,
                                 LPOVERLAPPED_ENTRY lpCompletionPortEntries, ULONG ulCount,
                                 PULONG ulNumEntriesRemoved, DWORD dwMilliseconds,
                                 BOOL fAlertable);

/* Reads from a file handle; overlapped if the handle was opened so. */
MIO_EXTERN BOOL ReadFile(HANDLE hFile, LPVOID lpBuffer, DWORD nNumberOfBytesToRead,
              LPDWORD lpNumberOfBytesRead, LPOVERLAPPED lpOverlapped);

/* Writes to a file handle; overlapped if the handle was opened so. */
MIO_EXTERN BOOL WriteFile(HANDLE hFile, LPCVOID lpBuffer, DWORD nNumberOfBytesToWrite,
               LPDWORD lpNumberOfBytesWritten, LPOVERLAPPED lpOverlapped);

/* Closes a handle; the object goes when its last handle and reference go. */
MIO_EXTERN BOOL CloseHandle(HANDLE hObject);

/**
 * @brief The calling thread's last error code.
 * @return The code set by the last failing call on this thread.
 */
MIO_EXTERN DWORD GetLastError(void);

/**
 * @brief Sets the calling thread's last error code.
 * @param dwErrCode The new code.
 */
MIO_EXTERN void SetLastError(DWORD dwErrCode);

/* Model extension: gives a file descriptor a HANDLE. */
MIO_EXTERN HANDLE iocp_model_handle_from_fd(int fd, DWORD flags);

/** What iocp_model_inject_fault() can make fail. */
typedef enum {
  /** An allocation, or the queueing of a packet (one allocation from the
   *  Windows kernel pool, even when the queue has room): 1450. */
  IOCP_MODEL_FAULT_ALLOCATION,
  /** Starting the I/O thread, when the first file handle is made: 1450. */
  IOCP_MODEL_FAULT_THREAD,
  /** A descriptor the model needs for itself (the I/O thread's epoll and
   *  eventfd), when the first file handle is made: 4. */
  IOCP_MODEL_FAULT_DESCRIPTOR,
  /** A successful GetQueuedCompletionStatusEx() reports one entry more than
   *  it wrote, as Wine 8.0 does for a count of 0: lets the module's guard
   *  against such an OS be tested (IOCP-GM-13). */
  IOCP_MODEL_FAULT_OVERCOUNT,
  /** Any of the first three: the nth attempt to get memory, a thread or a
   *  descriptor, whichever it is, fails as that kind fails.  For tests that
   *  fail every site of a call in turn. */
  IOCP_MODEL_FAULT_RESOURCE,
  IOCP_MODEL_FAULT_KINDS /**< How many kinds there are. */
} iocp_model_fault;

/**
 * @brief Model extension for tests: makes the @p nth attempt of @p fault from now fail.
 *
 * 1 fails the very next attempt; 0 disarms.  Process-wide.
 * @param fault The kind of fault.
 * @param nth Which attempt fails.
 */
MIO_EXTERN void iocp_model_inject_fault(iocp_model_fault fault, unsigned nth);

/** Where iocp_model_on_window() can run a test's code: the gaps between two
 *  steps of a call where another thread's call could fall. */
typedef enum {
  /** A port's handle was found in the handle table, its lock not yet taken. */
  IOCP_MODEL_WINDOW_PORT_LOOKUP,
  /** A waiter was handed a packet and woken, the port's lock not yet retaken. */
  IOCP_MODEL_WINDOW_WOKEN,
  /** ReadFile or WriteFile found its file handle, the file's lock not yet taken. */
  IOCP_MODEL_WINDOW_FILE_LOOKUP,
  /** An overlapped request reserved its packet's slot, the transfer not yet tried. */
  IOCP_MODEL_WINDOW_RESERVED,
  /** A post or a dequeue read the epoch of the grace period that keeps closed
   *  ports' memory, and has not yet counted itself under it. */
  IOCP_MODEL_WINDOW_GRACE,
  /** A post or a dequeue found its port in the handle table without a lock,
   *  counted in the grace period that keeps the port's memory, and has not yet
   *  locked the port or taken a reference to it. */
  IOCP_MODEL_WINDOW_PEEKED,
  /** A close that frees a batch of closed ports flipped the grace period's
   *  epoch, and has not yet waited for the readers counted before the flip. */
  IOCP_MODEL_WINDOW_FLIPPED,
  /** A look at a counted thread (OS-RUN-5) opened one of the thread's files in
   *  /proc and has not yet read it. */
  IOCP_MODEL_WINDOW_TASK_OPENED,
  /** The I/O thread found a file's descriptor ready and has not yet moved the
   *  bytes of the request waiting first (another writer may fill the pipe). */
  IOCP_MODEL_WINDOW_READY,
  IOCP_MODEL_WINDOWS /**< How many windows there are. */
} iocp_model_window;

/**
 * @brief Model extension for tests: runs @p fn(@p arg) once, in the next
 *        thread that reaches @p window.
 *
 * A race that another thread wins only by chance (a close between a lookup
 * and a lock) happens on demand: @p fn is the other thread's call.  It runs
 * with no lock of the model held, except at IOCP_MODEL_WINDOW_RESERVED and
 * IOCP_MODEL_WINDOW_READY, where the file's lock is held (a port may be
 * closed there, the file may not), and
 * at IOCP_MODEL_WINDOW_FLIPPED, where the grace period's lock is held (no port
 * may be closed there).
 * A second arming before the first ran replaces it; a NULL @p fn disarms.
 * @param window Where to run it.
 * @param fn The code to run.
 * @param arg Its argument.
 */
MIO_EXTERN void iocp_model_on_window(iocp_model_window window, void (*fn)(void *), void *arg);

/** What the model holds and what fault injection reached: iocp_model_stats(). */
typedef struct {
  unsigned handles_open; /**< Handles not yet closed: ports and files. */
  unsigned table_slots;  /**< Slots the handle table has allocated; it shrinks as handles close. */
  unsigned io_threads;   /**< 1 while the I/O thread runs (a file handle is open), else 0. */
  unsigned long long packets_discarded; /**< Packets still queued when their port was
                                             closed, or completed after, since the process began. */
  unsigned fault_sites;  /**< Distinct places in the model's code that made an attempt
                              while IOCP_MODEL_FAULT_RESOURCE was armed, since the process began. */
  unsigned faults_injected; /**< Attempts made to fail, since the process began. */
  unsigned threads_blocked; /**< Threads inside a model call that may wait now: in
                                 GetQueuedCompletionStatusEx with nothing it may take, or in a
                                 synchronous ReadFile or WriteFile. */
  unsigned ports_held;   /**< Ports whose memory the model holds: open, still referenced
                              by a file, a waiter or a thread that named it last, or
                              closed and waiting, in a batch of up to 64, for the lookups
                              that may have found them to end. */
  unsigned looks_released; /**< Waiters released because the threads counted on their
                                port were seen asleep where the model does not see
                                them wait (OS-RUN-5), since the process began. */
} iocp_model_stats_t;

/**
 * @brief Model extension for tests: a snapshot of iocp_model_stats_t.
 * @param out Receives the figures; nothing happens if it is NULL.
 */
MIO_EXTERN void iocp_model_stats(iocp_model_stats_t *out);

#endif
