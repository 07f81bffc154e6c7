/**
 * @file runner.c
 * @brief The conformance suite's runner.
 *
 * Usage: `runner [--list] [--xml PREFIX] [NAME]`, where NAME is a suite or a
 * test (a requirement ID).  `--list` prints the registered tests, one
 * `suite<TAB>test` per line.  `--xml PREFIX` writes CUnit's
 * PREFIX-Listing.xml and PREFIX-Results.xml instead of the console report;
 * the run summary is printed either way, then the substrate's notes: known
 * deviations from Windows and requirements it cannot check.
 *
 * The exit status is 0 only if every selected test ran and no failure
 * record exists: CUnit's own run functions report framework errors only,
 * and a suite whose set-up fails would silently run fewer tests.
 */
#include <CUnit/Automated.h>
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include "support.h"

/** A suite of the table: its name, the per-test fixture, its tests. */
#define SUITE(name) {#name, NULL, NULL, support_setup, support_teardown, suite_##name}

static CU_SuiteInfo suites[] = {
    SUITE(completion_status), SUITE(completion_port), SUITE(get_many),
    SUITE(post),              SUITE(duration_millis), SUITE(crate_tests),
    SUITE(os_layer),          SUITE(io),              SUITE(threads),
    SUITE(version),           SUITE(concurrency),
    CU_SUITE_INFO_NULL};

static unsigned count_tests(CU_pSuite only_suite, CU_pTest only_test) {
  if (only_test != NULL) return 1;
  unsigned n = 0;
  for (CU_pSuite s = CU_get_registry()->pSuite; s != NULL; s = s->pNext)
    if (only_suite == NULL || s == only_suite) n += s->uiNumberOfTests;
  return n;
}

static void list_tests(void) {
  for (CU_pSuite s = CU_get_registry()->pSuite; s != NULL; s = s->pNext)
    for (CU_pTest t = s->pTest; t != NULL; t = t->pNext) printf("%s\t%s\n", s->pName, t->pName);
}

/* A test is registered as "ID: phrase"; NAME may be the whole or the ID alone. */
static int test_named(const char *test_name, const char *name) {
  size_t id = strcspn(test_name, ":");
  return strcmp(test_name, name) == 0 || (strlen(name) == id && strncmp(test_name, name, id) == 0);
}

/* Finds NAME as a suite, else as a test in any suite. */
static int find(const char *name, CU_pSuite *suite, CU_pTest *test) {
  for (CU_pSuite s = CU_get_registry()->pSuite; s != NULL; s = s->pNext) {
    if (strcmp(s->pName, name) == 0) {
      *suite = s;
      return 1;
    }
    for (CU_pTest t = s->pTest; t != NULL; t = t->pNext) {
      if (test_named(t->pName, name)) {
        *suite = s;
        *test = t;
        return 1;
      }
    }
  }
  return 0;
}

/* Deviations and inapplicable requirements: printed, and with --xml also
 * written to PREFIX-Notes.tsv for the report. */
static void write_notes(const char *prefix) {
  printf("\nSubstrate: %s\n", support_substrate_name());
  if (support_write_notes(stdout) == 0) printf("(no known deviation, every test applied)\n");
  if (prefix == NULL) return;
  char path[512];
  snprintf(path, sizeof path, "%s-Notes.tsv", prefix);
  FILE *f = fopen(path, "w");
  if (f == NULL) {
    fprintf(stderr, "runner: cannot write %s\n", path);
    return;
  }
  support_write_notes(f);
  fclose(f);
}

static void run_xml(const char *prefix, CU_pSuite suite, CU_pTest test) {
  for (CU_pSuite s = CU_get_registry()->pSuite; s != NULL; s = s->pNext) {
    if (suite != NULL && s != suite) CU_set_suite_active(s, CU_FALSE);
    for (CU_pTest t = s->pTest; t != NULL; t = t->pNext)
      if (test != NULL && t != test) CU_set_test_active(t, CU_FALSE);
  }
  CU_set_fail_on_inactive(CU_FALSE); /* tests left out are not failures */
  CU_set_output_filename(prefix);
  CU_list_tests_to_file();
  CU_automated_run_tests();
  CU_print_run_results(stdout);
}

static void run_basic(CU_pSuite suite, CU_pTest test) {
  CU_basic_set_mode(CU_BRM_VERBOSE);
  if (test != NULL) CU_basic_run_test(suite, test);
  else if (suite != NULL) CU_basic_run_suite(suite);
  else CU_basic_run_tests();
}

/**
 * @brief Registers the suites, runs the selection, reports, and judges the run.
 * @param argc Argument count.
 * @param argv `[--list] [--xml PREFIX] [SUITE|TEST]`.
 * @return 0 if every selected test ran without a failure record, 1 if not, 2 on a usage error.
 */
int main(int argc, char **argv) {
  const char *xml = NULL, *name = NULL;
  int list = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--list") == 0) list = 1;
    else if (strcmp(argv[i], "--xml") == 0 && i + 1 < argc) xml = argv[++i];
    else if (argv[i][0] != '-' && name == NULL) name = argv[i];
    else {
      fprintf(stderr, "usage: %s [--list] [--xml PREFIX] [SUITE|TEST]\n", argv[0]);
      return 2;
    }
  }
  if (CU_initialize_registry() != CUE_SUCCESS || CU_register_suites(suites) != CUE_SUCCESS ||
      CU_register_suites(support_substrate_suites) != CUE_SUCCESS) {
    fprintf(stderr, "runner: cannot register the suites: %s\n", CU_get_error_msg());
    CU_cleanup_registry();
    return 2;
  }
  if (list) {
    list_tests();
    CU_cleanup_registry();
    return 0;
  }
  CU_pSuite suite = NULL;
  CU_pTest test = NULL;
  if (name != NULL && !find(name, &suite, &test)) {
    fprintf(stderr, "runner: no suite or test named '%s' (see --list)\n", name);
    CU_cleanup_registry();
    return 2;
  }
  unsigned expected = count_tests(suite, test);
  if (xml != NULL) run_xml(xml, suite, test);
  else run_basic(suite, test);
  support_watchdog_stop();
  write_notes(xml);
  /* Read the counters before CU_cleanup_registry() resets them. */
  unsigned records = CU_get_number_of_failure_records();
  unsigned ran = CU_get_number_of_tests_run();
  CU_ErrorCode error = CU_get_error();
  CU_cleanup_registry();
  if (ran != expected)
    fprintf(stderr, "runner: %u of %u selected tests ran\n", ran, expected);
  if (error != CUE_SUCCESS) fprintf(stderr, "runner: CUnit error %d\n", (int)error);
  return records == 0 && ran == expected && error == CUE_SUCCESS ? 0 : 1;
}
