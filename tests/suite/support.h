/**
 * @file support.h
 * @brief What the conformance tests share: fixtures, threads and the substrate.
 *
 * The same tests run on every substrate: the POSIX model, and the real Win32
 * API (Wine or Windows).  What only a substrate can provide, such as a file
 * handle opened for overlapped I/O or an injected allocation failure, is
 * asked of it here (substrate_model.c, win32/substrate_win32.c).
 */
#ifndef MIO_TEST_SUPPORT_H
#define MIO_TEST_SUPPORT_H

#include <CUnit/CUnit.h>
#include <stdio.h>

#include "mio_iocp.h"

/** A pointer value that is never dereferenced (mio's own test uses 3 and 6). */
#define FAKE_OVERLAPPED(n) ((OVERLAPPED *)(uintptr_t)(n))

/* The suites every substrate runs, one per file. */
/** @cond */
extern CU_TestInfo suite_completion_status[], suite_completion_port[], suite_get_many[],
    suite_post[], suite_duration_millis[], suite_threads[], suite_crate_tests[],
    suite_os_layer[], suite_io[], suite_version[], suite_concurrency[];
/** @endcond */

/** The suites of the substrate's own extensions (the model's: suite "model"). */
extern CU_SuiteInfo support_substrate_suites[];

/** The substrates the suite runs on. */
typedef enum { SUBSTRATE_MODEL, SUBSTRATE_WINE, SUBSTRATE_WINDOWS } support_substrate_kind;

/**
 * @brief Which substrate this run is on.
 * @return The POSIX model, Wine (detected at run time) or Windows.
 */
support_substrate_kind support_substrate(void);

/**
 * @brief The substrate's name, as the report shows it.
 * @return "model", "wine" or "windows".
 */
const char *support_substrate_name(void);

/**
 * @brief Records that the running test met a known deviation of this substrate
 *        from Windows, and asserted the substrate's documented behaviour instead.
 * @param what The deviation, in one line.
 */
void support_deviation(const char *what);

/**
 * @brief Records that the running test's requirement cannot be checked on this
 *        substrate; the test must then return without asserting.
 * @param why The reason, in one line.
 */
void support_not_applicable(const char *why);

/**
 * @brief Writes the recorded notes, one `test<TAB>kind<TAB>text` line each.
 * @param out Where to write (a file, or stdout).
 * @return The number of notes.
 */
unsigned support_write_notes(FILE *out);

/** @brief Per-test set-up: nothing is tracked, no fault is armed, open handles counted. */
void support_setup(void);

/**
 * @brief Per-test tear-down: disarms every fault, closes every tracked handle,
 *        and fails the test if it left a handle open (where the substrate can tell).
 */
void support_teardown(void);

/**
 * @brief How many packets closed ports have discarded since the process began.
 * @return The count, or -1 if the substrate cannot tell (Win32).
 */
long support_packets_discarded(void);

/**
 * @brief How many handles the substrate has open, for leak checks.
 * @return The count, or -1 if the substrate cannot tell (Win32).
 */
long support_open_handles(void);

/**
 * @brief How many slots the handle table has, for tests that fill it.
 * @return The count, or -1 if the substrate cannot tell (Win32).
 */
long support_table_slots(void);

/**
 * @brief Returns once @p n threads, already started, wait inside a blocking
 *        call of the substrate (a dequeue on an empty port, a synchronous
 *        read or write), so that a test orders events without betting on time.
 *
 * The model counts such threads (iocp_model_stats), so there the wait is
 * exact: it ends the moment the n-th thread is waiting, however busy the
 * machine.  Win32 cannot tell, so there it is a pause of SUPPORT_BLOCK_PAUSE_MS
 * after which a thread that has started is taken to wait.
 * @param n How many threads.
 */
void support_await_blocked(unsigned n);

/**
 * @brief How many waiters the model released because it saw a counted thread
 *        asleep (OS-RUN-5), not on a transition it made itself.
 * @return The count, or -1 if the substrate has no such thing (Win32).
 */
long support_looks_released(void);

/**
 * @brief The processors a concurrency value of 0 stands for.
 * @return The processors online (the model), or GetSystemInfo's count (Win32).
 */
unsigned support_cpus(void);

/** The pause support_await_blocked() makes where waiting threads cannot be counted. */
#define SUPPORT_BLOCK_PAUSE_MS 250

/** @brief Ends the watchdog that stops a run whose test hangs; call before exit. */
void support_watchdog_stop(void);

/**
 * @brief Creates a port with mio_completion_port_new(); fails the test fatally otherwise.
 *
 * The port is closed in tear-down unless the test closes it with support_close().
 * @param threads Concurrency value.
 * @return The port.
 */
mio_completion_port support_port(uint32_t threads);

/**
 * @brief Closes a port the test made and stops tracking it.
 * @param port The port.
 * @return What mio_completion_port_close() returned.
 */
uint32_t support_close(mio_completion_port *port);

/**
 * @brief Tracks a raw handle so that tear-down closes it.
 * @param handle The handle.
 * @return @p handle.
 */
HANDLE support_track(HANDLE handle);

/**
 * @brief Closes a tracked handle in the middle of a test and stops tracking it.
 * @param handle The handle.
 * @return What CloseHandle() returned.
 */
BOOL support_close_handle(HANDLE handle);

/**
 * @brief Stops tracking @p handle (it was closed or given away).
 * @param handle The handle.
 */
void support_untrack(HANDLE handle);

/**
 * @brief A file handle from the substrate, tracked for tear-down.
 * @param overlapped Whether it is opened for overlapped I/O.
 * @return The handle; the test fails fatally if none can be made.
 */
HANDLE support_file(int overlapped);

/**
 * @brief A connected pair of handles opened for overlapped I/O, both tracked.
 *
 * A named pipe's two ends on Win32, a socket pair in the model.
 * @param a Receives one end.
 * @param b Receives the other.
 */
void support_pipe_pair(HANDLE *a, HANDLE *b);

/**
 * @brief Makes the @p nth allocation of the substrate from now fail.
 * @param nth 1 for the next one; 0 disarms.
 * @return 1 if the substrate can inject failures, else 0.
 */
int support_fail_allocation(unsigned nth);

/**
 * @brief A one-way pipe of the platform's own kind, both ends overlapped and
 *        tracked: pipe(2) on the model, whose support_pipe_pair() is a socket pair.
 * @param reader Receives the end that reads.
 * @param writer Receives the end that writes.
 * @return 1, or 0 where support_pipe_pair() already gives a pipe (Win32).
 */
int support_os_pipe(HANDLE *reader, HANDLE *writer);

/**
 * @brief Makes the next successful dequeue report one entry more than it wrote.
 * @return 1 if the substrate can (the model), else 0.
 */
int support_inject_overcount(void);

/** The model's race windows (iocp_model_on_window()), named for both substrates. */
typedef enum {
  SUPPORT_WINDOW_PORT_LOOKUP, /**< A port's handle found, its lock not yet taken. */
  SUPPORT_WINDOW_WOKEN,       /**< A waiter handed a packet and woken, the lock not yet retaken. */
} support_window;

/**
 * @brief Runs @p fn(@p arg) once, in the next thread that reaches @p window:
 *        the other side of a race, on demand.
 * @param window Where.
 * @param fn What the other thread would do there.
 * @param arg Its argument.
 * @return 1 if the substrate has such windows (the model), else 0.
 */
int support_on_window(support_window window, void (*fn)(void *), void *arg);

/**
 * @brief Closes @p handle, asserting that the close succeeds: the call a
 *        test most often arms at a window (a close that wins a race).
 * @param handle A HANDLE, passed as the window's argument.
 */
void support_close_racing(void *handle);

/** @brief Disarms every injected fault and window of the substrate (set-up and tear-down call it). */
void support_disarm_faults(void);

/**
 * @brief Associates @p handle with @p port under @p key, as add_handle does,
 *        but through CreateIoCompletionPort, so it exists without the features.
 * @param port The port.
 * @param key The completion key.
 * @param handle A handle opened for overlapped I/O.
 * @return 0, or the Win32 error.
 */
DWORD support_associate(const mio_completion_port *port, uintptr_t key, HANDLE handle);

/**
 * @brief Queues an APC to the calling thread that sets @p *ran to 1 when it runs.
 * @param ran The flag.
 * @return 1, or 0 if the substrate has no APCs (the model).
 */
int support_queue_apc(volatile int *ran);

/** @brief Runs the calling thread's queued APCs (an alertable wait of 0 ms). */
void support_run_apcs(void);

/** A thread of a test. */
typedef struct support_thread support_thread;

/**
 * @brief Starts @p fn(@p arg) on a new thread; fails the test fatally otherwise.
 * @param fn The thread's body.
 * @param arg Its argument.
 * @return The thread, to be joined.
 */
support_thread *support_thread_start(void *(*fn)(void *), void *arg);

/**
 * @brief Waits for the thread and frees it.
 * @param thread The thread.
 * @return What its body returned.
 */
void *support_thread_join(support_thread *thread);

/**
 * @brief Sleeps.
 * @param ms Milliseconds.
 */
void support_sleep_ms(unsigned ms);

/**
 * @brief A monotonic clock.
 * @return Milliseconds since an arbitrary start.
 */
double support_now_ms(void);

#endif
