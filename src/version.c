/**
 * @file version.c
 * @brief The version of the library linked, which a program can compare with
 *        the header it was compiled against.
 */
#include "mio_iocp.h"

/**
 * @brief The version of the library linked (`MAJOR.MINOR.PATCH+mio.1.1.0`).
 * @return MIO_IOCP_VERSION_STRING as it was when the library was built; a
 *         static string.
 *
 * @satisfies{IOCP-VER-1}
 */
const char *mio_iocp_version(void) { return MIO_IOCP_VERSION_STRING; }
