/**
 * @file os_assumptions.h
 * @brief What the proof of src/iocp.c assumes of the Win32 functions it calls.
 *
 * `make prove` reads this header before src/iocp.c.  Each contract below is
 * an assumption, not a proof: it states only what the requirement it names
 * says, on that requirement's evidence (spec/os.md), and WP takes it as given
 * where the module calls the function.  The OS's state is abstract; ghost
 * variables record what a call was given, so that the module's contracts can
 * say what it passed on (IOCP-GM-7, IOCP-POST-1, IOCP-RAW-4).
 */
#ifndef MIO_OS_ASSUMPTIONS_H
#define MIO_OS_ASSUMPTIONS_H

#include "mio_iocp.h"

/* Ghost state: the thread's last error, the count the last dequeue was
 * given, the values the last post was given, the handle last closed. */
//@ ghost DWORD os_last_error;
//@ ghost ULONG os_count;
//@ ghost DWORD os_post_bytes;
//@ ghost ULONG_PTR os_post_key;
//@ ghost LPOVERLAPPED os_post_overlapped;
//@ ghost HANDLE os_closed;

/*@ // ASSUMPTION OS-ASSOC-1 (observed on Windows): an association returns the port itself.
  assigns os_last_error;
  ensures OS_ASSOC_1: FileHandle != INVALID_HANDLE_VALUE && ExistingCompletionPort != \null &&
                      \result != \null ==> \result == ExistingCompletionPort;
*/
HANDLE CreateIoCompletionPort(HANDLE FileHandle, HANDLE ExistingCompletionPort,
                              ULONG_PTR CompletionKey, DWORD NumberOfConcurrentThreads);

/*@ // ASSUMPTION OS-GET-1 (model's choice; Wine 8.0 claims an entry instead): a count of
    // 0 fails with 87 or claims more entries than asked for.  The call writes no
    // entry past the count it is given (its documented ulCount, the array's length).
  requires \valid(lpCompletionPortEntries + (0 .. ulCount - 1));
  requires \valid(ulNumEntriesRemoved);
  requires \separated(ulNumEntriesRemoved, lpCompletionPortEntries + (0 .. ulCount - 1));
  assigns lpCompletionPortEntries[0 .. ulCount - 1], *ulNumEntriesRemoved, os_count, os_last_error;
  ensures os_count == ulCount;
  ensures OS_GET_1: ulCount == 0 ==> (\result == FALSE && os_last_error == ERROR_INVALID_PARAMETER) ||
                                     (\result != FALSE && *ulNumEntriesRemoved > 0);
*/
BOOL GetQueuedCompletionStatusEx(HANDLE CompletionPort,
                                 LPOVERLAPPED_ENTRY lpCompletionPortEntries, ULONG ulCount,
                                 PULONG ulNumEntriesRemoved, DWORD dwMilliseconds,
                                 BOOL fAlertable);

/*@ // ASSUMPTION: a post is given its three values; what the OS does with them is
    // OS-WAIT-2 and IOCP-POST-2's business, not the module's.
  assigns os_post_bytes, os_post_key, os_post_overlapped, os_last_error;
  ensures os_post_bytes == dwNumberOfBytesTransferred && os_post_key == dwCompletionKey &&
          os_post_overlapped == lpOverlapped;
*/
BOOL PostQueuedCompletionStatus(HANDLE CompletionPort, DWORD dwNumberOfBytesTransferred,
                                ULONG_PTR dwCompletionKey, LPOVERLAPPED lpOverlapped);

/*@ // ASSUMPTION: CloseHandle is given the handle; OS-HANDLE-1 says what it returns.
  assigns os_closed, os_last_error;
  ensures os_closed == hObject;
*/
BOOL CloseHandle(HANDLE hObject);

/*@ assigns \nothing;
    ensures \result == os_last_error;
*/
DWORD GetLastError(void);

#endif
