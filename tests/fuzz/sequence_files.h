/**
 * @file sequence_files.h
 * @brief The sequence files a replay program is given: named as arguments,
 *        or, with none, on standard input, one per line, so that no command
 *        line grows with the corpus (Windows caps one at 32,767 characters).
 *
 * Shared by the fuzz replay (tests/fuzz/fuzz_iocp.c) and the upstream
 * differential's C driver (tests/upstream/diff_c.c).
 */
#ifndef MIO_TEST_SEQUENCE_FILES_H
#define MIO_TEST_SEQUENCE_FILES_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/**
 * @brief The next file name: argv[*next] while arguments remain from @p first
 *        on, else, if there were none, the next non-empty line of standard input.
 * @param argc Argument count.
 * @param argv Arguments.
 * @param first Index of the first file argument.
 * @param next The next argument's index; start it at @p first.
 * @param line Room for a name read from standard input.
 * @param size Its size.
 * @return The name, or NULL when there is none left.
 */
static const char *sequence_next(int argc, char **argv, int first, int *next, char *line,
                                 int size) {
  if (*next < argc) return argv[(*next)++];
  while (first >= argc && fgets(line, size, stdin) != NULL) {
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] != '\0') return line;
  }
  return NULL;
}

/**
 * @brief Reads a sequence file, up to @p cap bytes.
 * @param name Its name.
 * @param data Receives its bytes.
 * @param cap Size of @p data.
 * @param size Receives how many were read.
 * @return 0, or 2 (with a message) when it cannot be opened.
 */
static int sequence_read(const char *name, uint8_t *data, size_t cap, size_t *size) {
  FILE *f = fopen(name, "rb");
  if (f == NULL) {
    fprintf(stderr, "cannot open %s\n", name);
    return 2;
  }
  *size = fread(data, 1, cap, f);
  fclose(f);
  return 0;
}

#endif
