/**
 * @file api.c
 * @brief The Win32 surface of the POSIX model, in the order of spec/os.md:
 *        the argument checks, the quirks and the requirement marks of each
 *        call, above the objects that do the work.
 *
 * The layers below (port.c, file.c, io.c, handle.c, fault.c) return a Win32
 * error code, 0 for success, and never touch the last error; this file alone
 * turns a code into Windows' BOOL or NULL and the thread's last error.
 * Nothing below calls back up here.
 */
#include <sys/stat.h>

#include "fault.h"
#include "file.h"
#include "handle.h"
#include "io.h"
#include "port.h"

static _Thread_local DWORD last_error;

/* Sets the last error and returns FALSE, for one-line failure paths. */
static BOOL fail(DWORD error) {
  SetLastError(error);
  return FALSE;
}

/* A new handle, or NULL with the last error: for calls that return one. */
static HANDLE handle_or_fail(DWORD error, HANDLE handle) {
  if (error == 0) return handle;
  SetLastError(error);
  return NULL;
}

/* The file behind file_handle, with its packets from now on going to the
 * port behind port_handle under key. */
static DWORD associate(HANDLE file_handle, HANDLE port_handle, ULONG_PTR key) {
  struct mio__object *port = mio__port_get(port_handle);
  if (port == NULL) return ERROR_INVALID_HANDLE;
  struct mio__file *file = mio__file_get(file_handle);
  DWORD error = file != NULL ? mio__file_associate(file, port, key) : ERROR_INVALID_HANDLE;
  if (file != NULL) mio__file_put(file);
  mio__object_release(port);
  return error;
}

/**
 * @brief Creates a completion port, or associates a file handle with one.
 * @param FileHandle INVALID_HANDLE_VALUE to create a port, else the file.
 * @param ExistingCompletionPort NULL to create, else the port to associate with.
 * @param CompletionKey Key carried by the file's packets (ignored on creation).
 * @param NumberOfConcurrentThreads Concurrency value (0: processors online);
 *        ignored when associating (OS-CREATE-1).
 * @return The new port, or ExistingCompletionPort; NULL with the last error set.
 *
 * A port created here for a file that cannot be associated is closed again.
 *
 * @mio{56,65}
 * @mio{77,86}
 *
 * @satisfies{OS-CREATE-1}
 * @satisfies{OS-ASSOC-1}
 * @satisfies{OS-ASSOC-2}
 * @satisfies{OS-ASSOC-3}
 * @satisfies{OS-ASSOC-4}
 * @satisfies{OS-FAULT-1}
 * @satisfies{OS-RUN-3}
 */
HANDLE CreateIoCompletionPort(HANDLE FileHandle, HANDLE ExistingCompletionPort,
                              ULONG_PTR CompletionKey, DWORD NumberOfConcurrentThreads) {
  if (FileHandle == INVALID_HANDLE_VALUE && ExistingCompletionPort != NULL)
    return handle_or_fail(ERROR_INVALID_PARAMETER, NULL);
  HANDLE port = ExistingCompletionPort;
  DWORD error = port == NULL ? mio__port_create(&port, NumberOfConcurrentThreads) : 0; /* OS-CREATE-1 */
  if (error == 0 && FileHandle != INVALID_HANDLE_VALUE) {
    error = associate(FileHandle, port, CompletionKey);
    if (error != 0 && ExistingCompletionPort == NULL) mio__handle_close(port); /* OS-ASSOC-2 */
  }
  return handle_or_fail(error, port); /* OS-ASSOC-1: the existing port itself */
}

/**
 * @brief Dequeues up to ulCount packets, waiting while the port is empty or its
 *        concurrency value holds them back.
 * @param CompletionPort The port.
 * @param lpCompletionPortEntries Array receiving the packets.
 * @param ulCount Capacity of the array, at least 1.
 * @param ulNumEntriesRemoved Receives the number of packets dequeued.
 * @param dwMilliseconds Time limit in ms; INFINITE waits forever.
 * @param fAlertable Ignored: the model has no APCs (mio passes FALSE).
 * @return TRUE if at least one packet was dequeued, else FALSE with the last error set.
 *
 * @mio{97,125}
 *
 * @satisfies{OS-GET-1}
 * @satisfies{OS-GET-2}
 * @satisfies{OS-GET-3}
 * @satisfies{OS-GET-4}
 * @satisfies{OS-GET-5}
 * @satisfies{OS-TIME-1}
 * @satisfies{OS-HANDLE-3}
 * @satisfies{OS-MEM-1}
 * @satisfies{OS-RUN-1}
 * @satisfies{OS-RUN-2}
 * @satisfies{OS-RUN-5}
 */
BOOL GetQueuedCompletionStatusEx(HANDLE CompletionPort,
                                 LPOVERLAPPED_ENTRY lpCompletionPortEntries, ULONG ulCount,
                                 PULONG ulNumEntriesRemoved, DWORD dwMilliseconds,
                                 BOOL fAlertable) {
  (void)fAlertable;
  if (ulCount == 0) return fail(ERROR_INVALID_PARAMETER); /* OS-GET-1 */
  if (lpCompletionPortEntries == NULL || ulNumEntriesRemoved == NULL)
    return fail(ERROR_NOACCESS); /* OS-GET-4 */
  ULONG n;
  DWORD error = mio__port_get_many(CompletionPort, lpCompletionPortEntries, ulCount,
                                   dwMilliseconds, &n);
  if (error == ERROR_INVALID_HANDLE) return fail(error); /* OS-GET-3: the count unwritten */
  if (error == WAIT_TIMEOUT) n = 1; /* OS-GET-2: "count == 1" after a timeout */
  else if (error == 0 && mio__fault(IOCP_MODEL_FAULT_OVERCOUNT)) n++;
  *ulNumEntriesRemoved = n;
  return error ? fail(error) : TRUE;
}

/**
 * @brief Queues a packet with the given values, uninterpreted.
 * @param CompletionPort The port.
 * @param dwNumberOfBytesTransferred Byte count of the packet.
 * @param dwCompletionKey Key of the packet.
 * @param lpOverlapped Pointer value of the packet, never dereferenced.
 * @return TRUE, or FALSE with the last error set.
 *
 * @mio{132,147}
 *
 * @satisfies{OS-WAIT-1}
 * @satisfies{OS-WAIT-2}
 * @satisfies{OS-HANDLE-3}
 * @satisfies{OS-FAULT-1}
 */
BOOL PostQueuedCompletionStatus(HANDLE CompletionPort, DWORD dwNumberOfBytesTransferred,
                                ULONG_PTR dwCompletionKey, LPOVERLAPPED lpOverlapped) {
  DWORD error = mio__port_post(CompletionPort, dwNumberOfBytesTransferred, dwCompletionKey,
                               lpOverlapped);
  return error ? fail(error) : TRUE;
}

/*
 * ReadFile and WriteFile: the handle, then the buffer (OS-FILE-5: a NULL
 * buffer of non-zero length moves nothing), then the transfer.  A write that
 * succeeded returns only once the other end's pending reads it satisfied have
 * queued their packets (OS-IO-9).
 */
static BOOL request(HANDLE handle, int writing, char *buf, DWORD len, LPDWORD out,
                    LPOVERLAPPED ov) {
  struct mio__file *file = mio__file_get(handle);
  if (file == NULL) return fail(ERROR_INVALID_HANDLE);
  mio__window(IOCP_MODEL_WINDOW_FILE_LOOKUP);
  DWORD error = buf == NULL && len > 0 ? ERROR_INVALID_PARAMETER
                                       : mio__file_transfer(file, writing, buf, len, out, ov);
  mio__file_put(file);
  if (writing && error == 0) mio__io_flush();
  return error ? fail(error) : TRUE;
}

/**
 * @brief Reads from a file handle; overlapped if the handle was opened so.
 * @param hFile The file.
 * @param lpBuffer Receives the data; must stay valid until the request completes.
 * @param nNumberOfBytesToRead Size of @p lpBuffer.
 * @param lpNumberOfBytesRead Receives the count when the read completes at once; may be NULL.
 * @param lpOverlapped The request; required on an overlapped handle.
 * @return TRUE if it completed at once; FALSE with ERROR_IO_PENDING if it will
 *         complete later; FALSE with another error if it failed (then no packet).
 *
 * @satisfies{OS-IO-1}
 * @satisfies{OS-IO-2}
 * @satisfies{OS-IO-3}
 * @satisfies{OS-IO-5}
 * @satisfies{OS-IO-6}
 * @satisfies{OS-IO-8}
 * @satisfies{OS-IO-11}
 * @satisfies{OS-FILE-2}
 * @satisfies{OS-FILE-4}
 * @satisfies{OS-FILE-5}
 * @satisfies{OS-FAULT-1}
 * @satisfies{OS-RUN-4}
 */
BOOL ReadFile(HANDLE hFile, LPVOID lpBuffer, DWORD nNumberOfBytesToRead,
              LPDWORD lpNumberOfBytesRead, LPOVERLAPPED lpOverlapped) {
  return request(hFile, 0, lpBuffer, nNumberOfBytesToRead, lpNumberOfBytesRead, lpOverlapped);
}

/**
 * @brief Writes to a file handle; overlapped if the handle was opened so.
 * @param hFile The file.
 * @param lpBuffer The data; must stay valid until the request completes.
 * @param nNumberOfBytesToWrite How many bytes.
 * @param lpNumberOfBytesWritten Receives the count when the write completes at once; may be NULL.
 * @param lpOverlapped The request; required on an overlapped handle.
 * @return As ReadFile().
 *
 * @satisfies{OS-IO-1}
 * @satisfies{OS-IO-2}
 * @satisfies{OS-IO-3}
 * @satisfies{OS-IO-7}
 * @satisfies{OS-IO-9}
 * @satisfies{OS-IO-10}
 * @satisfies{OS-FILE-2}
 * @satisfies{OS-FILE-4}
 * @satisfies{OS-FILE-5}
 * @satisfies{OS-FAULT-1}
 * @satisfies{OS-RUN-4}
 */
BOOL WriteFile(HANDLE hFile, LPCVOID lpBuffer, DWORD nNumberOfBytesToWrite,
               LPDWORD lpNumberOfBytesWritten, LPOVERLAPPED lpOverlapped) {
  /* The buffer is only read; the request keeps it as char * for both directions. */
  return request(hFile, 1, (char *)(uintptr_t)lpBuffer, nNumberOfBytesToWrite,
                 lpNumberOfBytesWritten, lpOverlapped);
}

/**
 * @brief Closes a handle; the object goes when its last handle and reference go.
 * @param hObject The handle.
 * @return TRUE, or FALSE with the last error set.
 *
 * A port wakes its waiters with 735 and drops its packets (port.c); a file
 * completes its pending requests as a broken pipe (file.c).
 *
 * @mio{20,22}
 *
 * @satisfies{OS-CLOSE-1}
 * @satisfies{OS-HANDLE-1}
 * @satisfies{OS-HANDLE-2}
 * @satisfies{OS-HANDLE-4}
 * @satisfies{OS-IO-4}
 * @satisfies{IOCP-GM-10}
 */
BOOL CloseHandle(HANDLE hObject) {
  DWORD error = mio__handle_close(hObject);
  return error ? fail(error) : TRUE;
}

DWORD GetLastError(void) { return last_error; }

void SetLastError(DWORD dwErrCode) { last_error = dwErrCode; }

/* Overlapped I/O is modelled on pipes and sockets only: what the I/O thread
 * can wait on and what a Windows pipe does. */
static int pipe_or_socket(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

/**
 * @brief Model extension: gives a file descriptor a HANDLE.
 *
 * The handle owns @p fd from then on: CloseHandle() closes it, and requests
 * still pending complete with STATUS_PIPE_BROKEN (0xC000014B).  @p flags holds
 * FILE_FLAG_OVERLAPPED for overlapped I/O (the descriptor is then made
 * non-blocking); only such handles can be associated with a port, as on
 * Windows.  For overlapped I/O only pipes and sockets are accepted: any other
 * descriptor (a regular file, a terminal, an eventfd) is refused with 87.
 * @param fd An open file descriptor.
 * @param flags 0 or FILE_FLAG_OVERLAPPED.
 * @return The handle, or NULL with the last error set (87 for a negative fd
 *         or unknown flags, 1450 when out of memory or when the I/O thread
 *         cannot start, 4 when it has no descriptor); then @p fd is untouched
 *         and still the caller's.
 *
 * @satisfies{OS-FILE-1}
 * @satisfies{OS-FILE-3}
 * @satisfies{OS-FAULT-1}
 */
HANDLE iocp_model_handle_from_fd(int fd, DWORD flags) {
  if (fd < 0 || (flags & ~FILE_FLAG_OVERLAPPED) != 0 ||
      ((flags & FILE_FLAG_OVERLAPPED) && !pipe_or_socket(fd)))
    return handle_or_fail(ERROR_INVALID_PARAMETER, NULL);
  HANDLE handle = NULL;
  DWORD error = mio__file_open(fd, flags, &handle);
  return handle_or_fail(error, handle);
}

void iocp_model_inject_fault(iocp_model_fault fault, unsigned nth) {
  if ((unsigned)fault < IOCP_MODEL_FAULT_KINDS) mio__fault_arm(fault, nth);
}

void iocp_model_on_window(iocp_model_window window, void (*fn)(void *), void *arg) {
  if ((unsigned)window < IOCP_MODEL_WINDOWS) mio__window_arm(window, fn, arg);
}

void iocp_model_stats(iocp_model_stats_t *out) {
  if (out == NULL) return;
  mio__handle_stats(&out->handles_open, &out->table_slots);
  out->io_threads = mio__io_running();
  out->packets_discarded = mio__port_discarded();
  mio__fault_stats(&out->fault_sites, &out->faults_injected);
  out->threads_blocked = mio__blocked();
  out->ports_held = mio__port_held();
  out->looks_released = mio__port_looks_released();
}
