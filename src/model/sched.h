/**
 * @file sched.h
 * @brief What Linux's scheduler says of this process's threads: the one thing
 *        the model cannot see for itself, whether a thread waits (OS-RUN-5).
 */
#ifndef MIO_MODEL_SCHED_H
#define MIO_MODEL_SCHED_H

#include <sys/types.h>

/**
 * @brief The calling thread's kernel thread ID.
 * @return The ID, as /proc/self/task names it.
 */
pid_t mio__thread_id(void);

/**
 * @brief Whether a thread of this process is asleep, as a Windows thread in a
 *        wait state would be (state S or D in /proc/self/task/TID/stat), and
 *        how long it has run so far (/proc/self/task/TID/schedstat).
 * @param tid A thread ID from mio__thread_id().
 * @param ran Receives its time on a processor in nanoseconds; 0 where Linux
 *        does not keep it.
 * @return 1 if it sleeps; 0 if it runs, is ready to run, is gone, or its
 *         state cannot be read (no descriptor free: the caller looks again later).
 */
int mio__thread_sleeps(pid_t tid, unsigned long long *ran);

/**
 * @brief The processors online, what a concurrency value of 0 means (OS-RUN-3),
 *        as the process's first call found them.
 * @return At least 1.
 */
unsigned mio__cpus_online(void);

#endif
