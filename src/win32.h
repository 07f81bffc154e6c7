/**
 * @file win32.h
 * @brief The platform seam: the one place that picks the Win32 API.
 *
 * On Windows the module calls the real kernel32 functions; elsewhere it calls
 * the POSIX model, which has the same names, types and layouts.  No other
 * file of the library tests for the platform.
 */
#ifndef MIO_WIN32_H
#define MIO_WIN32_H

/** Marks a function the shared library exports; everything else is built
 *  hidden (-fvisibility=hidden), so only the public API and the model's
 *  documented calls are visible to programs that link the library. */
#if defined(__GNUC__) && !defined(_WIN32) && !defined(__FRAMAC__) /* Frama-C: plain declarations */
#define MIO_EXTERN __attribute__((visibility("default")))
#else
#define MIO_EXTERN
#endif

#ifdef _WIN32
#include <windows.h>
#else
#include "model/win32_model.h"
#endif

#endif
