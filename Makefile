# mio_iocp: a C reference implementation of mio 1.1.0's iocp.rs.
# `make help` lists the targets.

CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
PYTHON  ?= python3
# The design document (not public): give it to check the cited ranges against it.
SEED    ?=
# A copy of mio 1.1.0's source; found on its own when not given (see verify-upstream).
MIO_SRC ?= $(firstword $(wildcard $(HOME)/.cargo/registry/src/*/mio-1.1.0))

WARN     := -std=c11 -Wall -Wextra -Wpedantic -Werror
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -Isrc
CFLAGS   ?= -O2 -g
SANITIZE ?=
FEATURES ?=
ALL_CFLAGS = $(WARN) $(CFLAGS) $(SANITIZE) $(FEATURES) -fPIC -fvisibility=hidden -pthread
LDLIBS_TEST = -lcunit -pthread

MODULE_SRC := src/iocp.c src/version.c
MODEL_SRC  := src/model/fault.c src/model/file.c src/model/handle.c src/model/io.c src/model/port.c
SUITE_SRC  := tests/runner.c tests/support.c tests/test_status.c tests/test_port.c \
              tests/test_get_many.c tests/test_post.c tests/test_duration.c tests/test_crate.c \
              tests/test_os.c tests/test_io.c tests/test_threads.c tests/test_version.c
LIB_SRC  := $(MODULE_SRC) $(MODEL_SRC)
TEST_SRC := $(SUITE_SRC) tests/substrate_model.c tests/test_model.c tests/test_resources.c
HEADERS  := src/mio_iocp.h src/win32.h src/model/win32_model.h src/model/internal.h tests/support.h

# The version, read from the one place it is written (src/mio_iocp.h).
version_part = $(shell sed -n 's/^\#define MIO_IOCP_VERSION_$(1) \([0-9]*\).*/\1/p' src/mio_iocp.h)
MAJOR   := $(call version_part,MAJOR)
VERSION := $(MAJOR).$(call version_part,MINOR).$(call version_part,PATCH)
SONAME  := libmio_iocp.so.$(MAJOR)

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/obj/%.o)
STATIC   := $(BUILD)/libmio_iocp.a
SHARED   := $(BUILD)/libmio_iocp.so
RUNNER   := $(BUILD)/runner
STRESS   := $(BUILD)/stress

.PHONY: all help deps check check-asan check-tsan check-valgrind check-features-off \
        check-clang check-tools check-wine coverage stress check-stress-tsan check-spin check-fuzz \
        check-fuzz-wine check-deep-path fuzz mutate check-mutate-module win docs check-docs conformance test trace trace-check verify-upstream diff-upstream bench check-overhead check-scenario check-scenario-wine install \
        install-docs uninstall check-abi check-install dist check-dist prove clean

all: $(STATIC) $(SHARED) $(RUNNER)

help:
	@echo "make               build the static and shared library and the test runner"
	@echo "make conformance   main job: install packages if needed, build, run the suite, print the per-requirement summary"
	@echo "make test          every check: the suite natively (gcc, clang, both feature sets), ASan+UBSan, TSan, valgrind, trace-check"
	@echo "make check         run the conformance suite (make check TEST=IOCP-DM-3 runs one test or suite)"
	@echo "make check-asan | check-tsan | check-valgrind | check-features-off | check-clang"
	@echo "make coverage      gcov/gcovr report in build/coverage, gated by floors;  make stress  8x8x10^7 exactly-once and close rounds"
	@echo "make prove         Frama-C WP on the ACSL contracts of src/iocp.c (tests/proof)"
	@echo "make check-spin    SPIN on tests/spin/port.pml;  make check-fuzz | check-fuzz-wine | fuzz FUZZ_SECONDS=N"
	@echo "make mutate        mutation testing of src/ (long);  make check-mutate-module  iocp.c only"
	@echo "make trace         regenerate traceability.csv;  make trace-check  fail if it is stale or incomplete"
	@echo "make verify-upstream MIO_SRC=<dir>   check a copy of mio 1.1.0 against the cited line ranges"
	@echo "make check-scenario | check-scenario-wine   a selector in mio's shape on the public API, on the model | under Wine"
	@echo "make bench         the port beside eventfd, condvar, lock-free and pipe queues: ratios, callgrind, chart (build/bench)"
	@echo "make diff-upstream MIO_SRC=<dir>   mio's own iocp.rs (Debian rustc) beside the C module under Wine: upstream's tests and a step differential"
	@echo "make check-tools   the trace checker's and the upstream verifier's own tests"
	@echo "make docs          the Doxygen site and man pages in build/docs;  make check-docs  check it in headless Chromium"
	@echo "make install       PREFIX=$(PREFIX) DESTDIR=$(DESTDIR): libraries, headers, pkg-config file;  make install-docs  man pages and HTML"
	@echo "make check-abi     the exported symbols against tests/exported_symbols.txt;  make check-install  README's example against an installed copy"
	@echo "make dist          build/mio_iocp-$(VERSION).tar.gz;  make check-dist  unpack it elsewhere and run make check"
	@echo "make deps DEPS=build|conformance|docs|prove|upstream|bench|test   install (as root) or name the packages a target needs"

# Installs what a target needs (as root), or names it: make deps DEPS=build|conformance|docs|prove|upstream|bench|test
DEPS ?= test
deps:
	@sh tests/deps.sh $(DEPS)

$(BUILD)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(STATIC): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(SHARED): $(LIB_OBJ)
	$(CC) $(ALL_CFLAGS) -shared -Wl,-soname,$(SONAME) -o $@ $^ -pthread

$(RUNNER): $(TEST_OBJ) $(STATIC)
	$(CC) $(ALL_CFLAGS) -o $@ $(TEST_OBJ) $(STATIC) $(LDLIBS_TEST)

check: $(RUNNER)
	$(RUNNER) $(TEST)

# Exactly once under load and under close: 8 posters x 8 getters x 10^7
# packets each, then 20 rounds closed at a random moment (tests/stress.c).
STRESS_ARGS ?= 8 8 10000000 20 1
$(STRESS): tests/stress.c $(STATIC) $(HEADERS)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ tests/stress.c $(STATIC) -pthread

stress: $(STRESS)
	timeout 900 $(STRESS) $(STRESS_ARGS)

# The same checks, smaller, under ThreadSanitizer (part of make test).
check-stress-tsan:
	$(MAKE) BUILD=$(BUILD)/tsan SANITIZE="-fsanitize=thread" TSAN_OPTIONS="halt_on_error=1" \
	  STRESS_ARGS="8 8 20000 8 1" stress

check-asan:
	$(MAKE) BUILD=$(BUILD)/asan SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  ASAN_OPTIONS=detect_leaks=1 check

check-tsan:
	$(MAKE) BUILD=$(BUILD)/tsan SANITIZE="-fsanitize=thread" TSAN_OPTIONS="halt_on_error=1" check

check-valgrind: $(RUNNER)
	valgrind --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
	  --fair-sched=yes -q $(RUNNER) $(TEST)

check-features-off:
	$(MAKE) BUILD=build/nofeat FEATURES="$(NOFEAT)" check

check-clang:
	$(MAKE) BUILD=$(BUILD)/clang CC=clang check

# The main job: the suite on both substrates, then the per-requirement report.
conformance:
	@sh tests/deps.sh conformance
	$(MAKE) $(RUNNER) $(WIN_RUNNER) trace-check
	@mkdir -p $(BUILD)/report $(WIN_BUILD)/report
	$(RUNNER) --xml $(BUILD)/report/iocp; model=$$?; \
	{ $(call run_wine,--xml $(WIN_BUILD)/report/iocp); }; wine=$$?; \
	rm -f build/upstream/report.json; $(MAKE) --no-print-directory diff-upstream; upstream=$$?; \
	$(PYTHON) tests/tools/report.py --csv traceability.csv --out $(BUILD)/report --checks $(BUILD)/trace-status.txt \
	  --results model=$(BUILD)/report/iocp-Results.xml --results wine=$(WIN_BUILD)/report/iocp-Results.xml \
	  --upstream build/upstream/report.json && [ $$model = 0 ] && [ $$wine = 0 ] && [ $$upstream = 0 ]

NOFEAT := -DMIO_FEATURE_NET=0 -DMIO_FEATURE_OS_EXT=0

# Every check, in both feature configurations.
test:
	@sh tests/deps.sh test
	$(MAKE) check-tools trace-check verify-upstream check-docs check-spin check-abi check-install check-dist prove
	$(MAKE) check check-clang check-asan check-tsan check-valgrind check-stress-tsan coverage \
	  check-fuzz check-mutate-module check-scenario check-overhead
	$(MAKE) BUILD=build/nofeat FEATURES="$(NOFEAT)" check check-clang check-asan check-tsan check-valgrind
	$(MAKE) check-wine check-scenario-wine check-deep-path
	$(MAKE) WIN_BUILD=build/win-nofeat FEATURES="$(NOFEAT)" check-wine
	@echo "make test: all checks passed"

trace: $(RUNNER)
	$(RUNNER) --list > $(BUILD)/registered.tsv
	$(PYTHON) tests/tools/traceability.py --registered $(BUILD)/registered.tsv --write traceability.csv

trace-check: $(RUNNER)
	$(RUNNER) --list > $(BUILD)/registered.tsv
	$(PYTHON) tests/tools/traceability.py --registered $(BUILD)/registered.tsv --check traceability.csv \
	  $(if $(SEED),--seed $(SEED)) --status $(BUILD)/trace-status.txt

# Coverage of src/ by the suite (gcov, gcovr), gated by floors: iocp.c 100% of
# lines and branches, the model 95% and 90%; every uncovered line has a reason.
COV_BUILD := build/cov
coverage:
	rm -rf $(COV_BUILD) build/coverage
	$(MAKE) BUILD=$(COV_BUILD) CFLAGS="-O0 -g --coverage -DNDEBUG" $(COV_BUILD)/runner
	$(COV_BUILD)/runner > $(COV_BUILD)/run.log 2>&1 || { tail -30 $(COV_BUILD)/run.log; exit 1; }
	@mkdir -p build/coverage
	gcovr -r . -f src/ --json build/coverage/coverage.json --html-details build/coverage/index.html \
	  $(COV_BUILD)/obj
	$(PYTHON) tests/tools/coverage_gate.py build/coverage/coverage.json tests/coverage_uncovered.txt \
	  > build/coverage/summary.txt; status=$$?; cat build/coverage/summary.txt; exit $$status

# ---- The differential fuzzer (tests/fuzz): libFuzzer on the model, the
# committed corpus replayed on the model and, cross-built, under Wine ----
FUZZ_CORPUS  := tests/fuzz/corpus
FUZZ_RUNS    ?= 20000
FUZZ_SECONDS ?= 600
FUZZER       := build/fuzz/fuzz_iocp
$(FUZZER): tests/fuzz/fuzz_iocp.c $(LIB_SRC) $(HEADERS)
	@mkdir -p $(dir $@)
	clang $(WARN) $(CPPFLAGS) -Itests $(FEATURES) -O1 -g -DFUZZ_LIBFUZZER -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all -o $@ tests/fuzz/fuzz_iocp.c $(LIB_SRC) -pthread

$(BUILD)/fuzz_replay: tests/fuzz/fuzz_iocp.c $(STATIC) $(HEADERS)
	$(CC) $(CPPFLAGS) -Itests $(ALL_CFLAGS) -o $@ tests/fuzz/fuzz_iocp.c $(STATIC) -pthread

# The corpus's file names, one per line: the replay drivers read them on
# standard input, so no command line grows with the corpus.
FUZZ_LIST = find $(FUZZ_CORPUS) -type f | LC_ALL=C sort

# Replays the corpus, then fuzzes FUZZ_RUNS new inputs, deterministic by seed.
build/fuzz/model-trace.txt: $(BUILD)/fuzz_replay $(wildcard $(FUZZ_CORPUS)/*)
	@mkdir -p $(dir $@)
	$(FUZZ_LIST) | $(BUILD)/fuzz_replay --trace > $@.tmp || { tail -3 $@.tmp; exit 1; }
	@mv $@.tmp $@; tail -1 $@

check-fuzz: $(FUZZER) build/fuzz/model-trace.txt
	rm -rf build/fuzz/scratch && mkdir -p build/fuzz/scratch
	$(FUZZER) -seed=1 -runs=$(FUZZ_RUNS) -max_len=256 -artifact_prefix=build/fuzz/ \
	  build/fuzz/scratch $(FUZZ_CORPUS) > build/fuzz/run.log 2>&1; status=$$?; \
	  grep -E "^Done|ERROR|fuzz:|Test unit written" build/fuzz/run.log; exit $$status

# A longer run; new inputs go to build/fuzz/found (add a crash to the corpus with its fix).
fuzz: $(FUZZER)
	mkdir -p build/fuzz/found
	$(FUZZER) -max_total_time=$(FUZZ_SECONDS) -max_len=256 -artifact_prefix=build/fuzz/ \
	  build/fuzz/found $(FUZZ_CORPUS)

# Mutation testing (tests/tools/mutate.py): every mutant of src/ against the
# suite, floor 95% killed per file; make test runs it on the module only.
MUTATE_JOBS ?= 2
mutate:
	$(PYTHON) tests/tools/mutate.py --jobs $(MUTATE_JOBS) --out build/mutation $(MODULE_SRC) $(MODEL_SRC)

check-mutate-module:
	$(PYTHON) tests/tools/mutate.py --jobs $(MUTATE_JOBS) --out build/mutation-module $(MODULE_SRC)

# The module's ACSL contracts, proved by Frama-C WP (tests/proof).
prove:
	@sh tests/deps.sh prove
	sh tests/proof/prove.sh build/prove

# The port's waiter and close protocol, model-checked with SPIN (tests/spin).
check-spin:
	sh tests/spin/check.sh $(BUILD)/spin

# The trace checker's and the upstream verifier's own tests.
check-tools:
	$(PYTHON) tests/tools/test_traceability.py
	$(PYTHON) tests/tools/test_verify_upstream.py
	$(PYTHON) tests/upstream/test_diff_upstream.py

# Checks a copy of mio 1.1.0 against every cited range.  The copy is found by
# tests/tools/find_mio.sh: MIO_SRC if given, else the cargo registry's copy, an
# earlier clone, or a clone of tag v1.1.0 when the network allows.  With none, it says plainly that the check was skipped.
MIO_CLONE := $(BUILD)/mio-1.1.0
find_mio = src=$$(sh tests/tools/find_mio.sh "$(MIO_SRC)" $(MIO_CLONE)) || exit 1; \
	if [ -z "$$src" ]; then \
	  echo "$(1): SKIPPED: no copy of mio 1.1.0 (MIO_SRC, the cargo registry, or a clone of v1.1.0)"; \
	  exit 0; fi
verify-upstream:
	@$(call find_mio,verify-upstream); $(PYTHON) tests/tools/verify_upstream.py --mio-src "$$src"

# The port beside an eventfd queue, a condvar queue, a lock-free ring and a
# pipe (tests/bench): ratios per repetition, callgrind's instructions per
# packet, a chart; results in build/bench.  Run it on an idle machine.
# The bench is built with the library's sources and -flto, as a program that
# links them with LTO is: the module's calls are inlined into the caller.  The
# same program without LTO gives the module's cost through plain calls too.
BENCH := build/bench/bench
BENCH_NOLTO := build/bench/bench-nolto
BENCH_REPS ?= 5
$(BENCH): tests/bench/bench.c $(MODULE_SRC) $(MODEL_SRC) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(WARN) -O2 -g -flto $(CPPFLAGS) -pthread -o $@ tests/bench/bench.c $(MODULE_SRC) $(MODEL_SRC)

$(BENCH_NOLTO): tests/bench/bench.c $(MODULE_SRC) $(MODEL_SRC) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(WARN) -O2 -g $(CPPFLAGS) -pthread -o $@ tests/bench/bench.c $(MODULE_SRC) $(MODEL_SRC)

# The module's own cost, in instructions per packet over direct model calls
# (callgrind, deterministic): at most 3%.
check-overhead: $(BENCH)
	$(PYTHON) tests/bench/summary.py --bench $(BENCH) --out build/bench --gate 3

bench: $(BENCH) $(BENCH_NOLTO)
	@sh tests/deps.sh bench
	if command -v $(WIN_CC) >/dev/null; then $(MAKE) build/bench/bench_win32.exe; fi
	$(BENCH) --reps $(BENCH_REPS) --json build/bench/bench.json
	w=; [ -f build/bench/bench_win32.exe ] && w="--wine build/bench/bench_win32.exe"; \
	$(WINE_ENV) $(PYTHON) tests/bench/summary.py --bench $(BENCH) --bench-nolto $(BENCH_NOLTO) --out build/bench $$w

build/bench/bench_win32.exe: tests/bench/bench_win32.c $(MODULE_SRC) $(HEADERS)
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_CFLAGS) -static -o $@ tests/bench/bench_win32.c $(MODULE_SRC)

# mio's own iocp.rs, built unmodified with Debian's rustc, beside the C module
# under Wine: upstream's tests, then a step-by-step differential (tests/upstream).
DIFF_C := build/upstream/diff_c.exe
$(DIFF_C): tests/upstream/diff_c.c $(MODULE_SRC) $(HEADERS)
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_CFLAGS) -static -o $@ tests/upstream/diff_c.c $(MODULE_SRC)

diff-upstream:
	@sh tests/deps.sh upstream
	$(MAKE) $(DIFF_C)
	@$(call find_mio,diff-upstream); \
	$(WINE_ENV) $(PYTHON) tests/upstream/diff_upstream.py --mio-src "$$src" --c-driver $(DIFF_C); \
	  status=$$?; $(WINE_ENV) wineserver -k 2>/dev/null; exit $$status

# ---- Documentation: Doxygen + Graphviz, checked in headless Chromium ----
docs: build/docs/gen/traceability.md
	@sh tests/deps.sh docs
	@src=$$(sh tests/tools/find_mio.sh "$(MIO_SRC)" $(MIO_CLONE) 2>/dev/null || true); \
	  $(PYTHON) docs/upstream_snippets.py --mio-src "$$src" build/docs/gen/iocp.rs.txt
	$(PYTHON) docs/spec_pages.py traceability.csv build/docs/gen/spec
	$(PYTHON) docs/trace_graphs.py traceability.csv build/docs/gen/trace_graphs.md $(BUILD)/report/conformance.json
	rm -rf build/docs/html build/docs/man
	doxygen docs/Doxyfile || { cat build/docs/warnings.log; exit 1; }
	@test ! -s build/docs/warnings.log || { cat build/docs/warnings.log; exit 1; }
	sh docs/reports.sh build/docs/html
	@echo "docs: build/docs/html/index.html"

build/docs/gen/traceability.md: traceability.csv docs/matrix.py $(wildcard $(BUILD)/trace-status.txt)
	@mkdir -p $(dir $@)
	$(PYTHON) docs/matrix.py traceability.csv $@ $(BUILD)/trace-status.txt

check-docs: docs
	$(PYTHON) docs/check_site.py build/docs/html build/docs/screenshots

# ---- The real Win32 API: cross-built with mingw-w64, run under Wine ----
WIN_CC     := x86_64-w64-mingw32-gcc
WIN_BUILD  ?= build/win
WIN_CUNIT  := build/win/cunit
WIN_CFLAGS := $(WARN) -O2 -g -D_WIN32_WINNT=0x0A00 -Isrc -Itests -I$(WIN_CUNIT)/include $(FEATURES)
WIN_SRC    := $(MODULE_SRC) $(SUITE_SRC) tests/win32/substrate_win32.c
WIN_OBJ    := $(WIN_SRC:%.c=$(WIN_BUILD)/obj/%.o)
WIN_RUNNER := $(WIN_BUILD)/runner.exe
# Wine's own messages are off but for the errors that say why a program did not
# start (its command line, a missing DLL, the process).
WINE_ENV   := WINEPREFIX=$(abspath build/wineprefix) WINEDEBUG=-all,err+environ,err+module,err+process \
              WINEDLLOVERRIDES=mscoree,mshtml=
# Runs the Windows runner under Wine, then stops the wineserver: $(call run_wine,ARGS)
run_wine = $(WINE_ENV) timeout 600 wine $(WIN_RUNNER) $(1); status=$$?; \
	$(WINE_ENV) wineserver -k 2>/dev/null; [ $$status = 0 ]

$(WIN_CUNIT)/libcunit.a:
	sh tests/win32/cunit.sh build/win

$(WIN_BUILD)/obj/%.o: %.c $(HEADERS) $(WIN_CUNIT)/libcunit.a
	@mkdir -p $(dir $@)
	$(WIN_CC) $(WIN_CFLAGS) -c $< -o $@

$(WIN_RUNNER): $(WIN_OBJ) $(WIN_CUNIT)/libcunit.a
	$(WIN_CC) $(WIN_CFLAGS) -static -o $@ $(WIN_OBJ) $(WIN_CUNIT)/libcunit.a -lpthread

win: $(WIN_RUNNER)

check-wine: $(WIN_RUNNER)
	@mkdir -p $(WIN_BUILD)/report
	$(call run_wine,--xml $(WIN_BUILD)/report/iocp $(TEST))

# The same corpus on real Win32: every step checked against the reference, and
# the trace compared line by line with the model's.
WIN_FUZZ := $(WIN_BUILD)/fuzz_replay.exe
$(WIN_FUZZ): tests/fuzz/fuzz_iocp.c $(MODULE_SRC) $(HEADERS)
	@mkdir -p $(dir $@)
	$(WIN_CC) $(WIN_CFLAGS) -static -o $@ tests/fuzz/fuzz_iocp.c $(MODULE_SRC)

check-fuzz-wine: $(WIN_FUZZ) build/fuzz/model-trace.txt
	$(FUZZ_LIST) | $(WINE_ENV) timeout 600 wine $(WIN_FUZZ) --trace > $(WIN_BUILD)/fuzz-trace.txt; \
	  status=$$?; $(WINE_ENV) wineserver -k 2>/dev/null; tr -d '\r' < $(WIN_BUILD)/fuzz-trace.txt \
	  > $(WIN_BUILD)/fuzz-trace.lf; tail -1 $(WIN_BUILD)/fuzz-trace.lf; [ $$status = 0 ]
	diff build/fuzz/model-trace.txt $(WIN_BUILD)/fuzz-trace.lf > $(WIN_BUILD)/fuzz-trace.diff || \
	  { echo "fuzz: the model and Wine differ on the corpus:"; head -20 $(WIN_BUILD)/fuzz-trace.diff; exit 1; }
	@echo "fuzz: Wine and the model agree on every step of $$(ls $(FUZZ_CORPUS) | wc -l) inputs"

# A selector in the shape of mio's, on the public API (tests/scenario): how
# mio drives the port, run with assertions on the model and under Wine.
SCENARIO := $(BUILD)/selector
WIN_SCENARIO := $(WIN_BUILD)/selector.exe
$(SCENARIO): tests/scenario/selector.c $(STATIC)
	$(CC) $(WARN) $(CFLAGS) $(SANITIZE) $(CPPFLAGS) -Itests -pthread -o $@ tests/scenario/selector.c $(STATIC)

$(WIN_SCENARIO): tests/scenario/selector.c $(MODULE_SRC) $(HEADERS)
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_CFLAGS) -static -o $@ tests/scenario/selector.c $(MODULE_SRC)

check-scenario: $(SCENARIO)
	$(SCENARIO)

check-scenario-wine: $(WIN_SCENARIO)
	$(WINE_ENV) timeout 300 wine $(WIN_SCENARIO); status=$$?; $(WINE_ENV) wineserver -k 2>/dev/null; [ $$status = 0 ]

# The Wine parts whose inputs grow (the fuzz replay, the upstream
# differential) from a copy of the tree whose path is 200 characters long,
# deeper than a clone in a home directory: no command line may grow with the
# corpus (Windows caps one at 32,767 characters), and paths this long must
# work.  Not longer: Wine, like Windows, cannot start a program in a folder
# whose path is over 258 characters (MAX_PATH), whatever the program does.
DEEP := $(shell p='$(abspath $(BUILD))/deep/'; n=$$((200 - $${#p} - 9)); [ $$n -ge 1 ] || n=1; \
	  printf '%s%s/mio_iocp' "$$p" "$$(printf "%0$${n}d" 0 | tr 0 d)")
check-deep-path:
	@src=$$(sh tests/tools/find_mio.sh "$(MIO_SRC)" $(MIO_CLONE)) || exit 1; \
	  [ -z "$$src" ] || src=$$(cd "$$src" && pwd); \
	  rm -rf $(BUILD)/deep && mkdir -p $(DEEP) && \
	  tar -cf - --exclude=./build --exclude=./.git . | tar -xf - -C $(DEEP) && \
	  echo "check-deep-path: $$(printf %s "$(DEEP)" | wc -c)-character path: $(DEEP)" && \
	  $(MAKE) -C $(DEEP) --no-print-directory check-fuzz-wine diff-upstream MIO_SRC="$$src"

# ---- Packaging: install, the exported ABI, the release tarball ----
LIBDIR := $(DESTDIR)$(PREFIX)/lib
INCDIR := $(DESTDIR)$(PREFIX)/include/mio_iocp

install: $(STATIC) $(SHARED)
	install -d $(LIBDIR)/pkgconfig $(INCDIR)/model
	install -m 644 $(STATIC) $(LIBDIR)/libmio_iocp.a
	install -m 755 $(SHARED) $(LIBDIR)/libmio_iocp.so.$(VERSION)
	ln -sf libmio_iocp.so.$(VERSION) $(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(LIBDIR)/libmio_iocp.so
	install -m 644 src/mio_iocp.h src/win32.h $(INCDIR)/
	install -m 644 src/model/win32_model.h $(INCDIR)/model/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' src/mio_iocp.pc.in \
	  > $(LIBDIR)/pkgconfig/mio_iocp.pc

# The public API's man pages (the function and type pages and the files they
# point to) and the HTML site.
MAN_PAGES = build/docs/man/man3/mio_*.3 build/docs/man/man3/iocp.c.3
DOCDIR := $(DESTDIR)$(PREFIX)/share/doc/mio_iocp

install-docs: docs
	install -d $(DESTDIR)$(PREFIX)/share/man/man3 $(DOCDIR)
	install -m 644 $(MAN_PAGES) $(DESTDIR)$(PREFIX)/share/man/man3/
	cp -R build/docs/html $(DOCDIR)/

uninstall:
	rm -rf $(INCDIR) $(DOCDIR)
	rm -f $(DESTDIR)$(PREFIX)/share/man/man3/mio_*.3 $(DESTDIR)$(PREFIX)/share/man/man3/iocp.c.3
	rm -f $(LIBDIR)/libmio_iocp.a $(LIBDIR)/libmio_iocp.so $(LIBDIR)/$(SONAME) \
	  $(LIBDIR)/libmio_iocp.so.$(VERSION) $(LIBDIR)/pkgconfig/mio_iocp.pc

# The shared library exports exactly tests/exported_symbols.txt, under the
# soname of its major version; the static library defines no global symbol
# outside the project's prefixes.
check-abi: $(STATIC) $(SHARED)
	sh tests/tools/check_abi.sh $(SHARED) $(STATIC) $(SONAME) tests/exported_symbols.txt

# README's example, built against a copy installed into a DESTDIR through
# pkg-config, shared and static, and run.
check-install:
	rm -rf build/destdir
	$(MAKE) install DESTDIR=$(abspath build/destdir) PREFIX=/usr/local
	sh tests/tools/check_install.sh $(abspath build/destdir) /usr/local README.md build/install-check

# The release tarball: every file git tracks, under mio_iocp-VERSION/.
DIST := mio_iocp-$(VERSION)
dist:
	rm -rf build/dist && mkdir -p build/dist/$(DIST)
	git ls-files -z | xargs -0 cp --parents -t build/dist/$(DIST)
	tar -C build/dist -czf build/$(DIST).tar.gz $(DIST)
	@echo "dist: build/$(DIST).tar.gz"

# The tarball, unpacked elsewhere, builds and passes make check.
check-dist: dist
	rm -rf build/dist-check && mkdir -p build/dist-check
	tar -C build/dist-check -xzf build/$(DIST).tar.gz
	$(MAKE) -C build/dist-check/$(DIST) check

clean:
	rm -rf build
