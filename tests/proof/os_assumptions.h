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

/*@ // ASSUMPTION OS-GET-1 (model's choice) or, on Wine 8.0, IOCP-GM-13's observation
    // (observed on Wine only: it claims one entry): a count of 0 fails with 87, or
    // claims more entries than asked for.  And the call writes no entry past the
    // count it is given: ulCount is the array's length ("the maximum number of
    // entries to remove", documented: GetQueuedCompletionStatusEx on Microsoft Learn).
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

/*@ // Not a claim about the OS: the ghost state records the three values the call
    // was given, and its last error; what the OS then does with them (OS-WAIT-1,
    // OS-WAIT-2, IOCP-POST-2) is tested, not assumed.
  assigns os_post_bytes, os_post_key, os_post_overlapped, os_last_error;
  ensures os_post_bytes == dwNumberOfBytesTransferred && os_post_key == dwCompletionKey &&
          os_post_overlapped == lpOverlapped;
*/
BOOL PostQueuedCompletionStatus(HANDLE CompletionPort, DWORD dwNumberOfBytesTransferred,
                                ULONG_PTR dwCompletionKey, LPOVERLAPPED lpOverlapped);

/*@ // Not a claim about the OS: records the handle the call was given (what it
    // returns is OS-HANDLE-1's, tested).
  assigns os_closed, os_last_error;
  ensures os_closed == hObject;
*/
BOOL CloseHandle(HANDLE hObject);

/*@ // The last error is the thread's state: the calls above set it, this reads it.
  assigns \nothing;
  ensures \result == os_last_error;
*/
DWORD GetLastError(void);

#endif
