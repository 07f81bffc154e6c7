# mio_iocp: a C reference implementation of mio 1.1.0's iocp.rs.
#
# This file builds the library and the suite, runs them, installs them, and
# runs every check (`make test`).  The checks live in fragments beside what
# they check: tests/win32/wine.mk, tests/tools/checks.mk (the suite's variants,
# coverage, trace, mutation, proof, SPIN, stress), tests/fuzz/fuzz.mk,
# tests/scenario/scenario.mk, tests/upstream/upstream.mk, tests/bench/bench.mk,
# tests/tools/package.mk (ABI, install, tarball) and docs/docs.mk.
#
# A rule is listed by `make help` when its line reads `target: ... ## what it
# does`.  A fragment adds a check to `make test` beside its rule, by naming it in
# one of the stages below (TEST_TOOLS += check-x), so a new check touches one place.

CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
PYTHON  ?= python3
# The design document (not public): give it to check the cited ranges against it.
SEED    ?=
# A copy of mio 1.1.0's source; found on its own when not given (see tests/upstream/upstream.mk).
MIO_SRC ?= $(firstword $(wildcard $(HOME)/.cargo/registry/src/*/mio-1.1.0))

WARN     := -std=c11 -Wall -Wextra -Wpedantic -Werror
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -Isrc
CFLAGS   ?= -O2 -g
SANITIZE ?=
FEATURES ?=
NOFEAT   := -DMIO_FEATURE_NET=0 -DMIO_FEATURE_OS_EXT=0
ALL_CFLAGS = $(WARN) $(CFLAGS) $(SANITIZE) $(FEATURES) -fPIC -fvisibility=hidden -pthread
LDLIBS_TEST = -lcunit -pthread

MODULE_SRC := src/iocp.c src/version.c
MODEL_SRC  := src/model/api.c src/model/fault.c src/model/file.c src/model/grace.c src/model/handle.c src/model/io.c src/model/port.c src/model/sched.c
MODEL_HDR  := src/model/fault.h src/model/file.h src/model/handle.h src/model/io.h src/model/port.h
SUITE_SRC  := tests/suite/runner.c tests/suite/support.c tests/suite/test_status.c tests/suite/test_port.c \
              tests/suite/test_get_many.c tests/suite/test_post.c tests/suite/test_duration.c tests/suite/test_crate.c \
              tests/suite/test_os.c tests/suite/test_io.c tests/suite/test_threads.c tests/suite/test_version.c \
              tests/suite/test_run.c
LIB_SRC  := $(MODULE_SRC) $(MODEL_SRC)
TEST_SRC := $(SUITE_SRC) tests/suite/substrate_model.c tests/suite/test_model.c tests/suite/test_resources.c
HEADERS  := src/mio_iocp.h src/win32.h src/model/win32_model.h $(MODEL_HDR) tests/suite/support.h

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

# The stages of `make test`, in order; the fragments add their checks.
TEST_BESIDE :=                 # long single-threaded jobs that build nothing the others use: beside the tools
TEST_TOOLS  := trace-check     # tools, documents, proofs: before any variant is built
TEST_NATIVE := check           # the suite and programs on the model
TEST_NOFEAT := check           # the same again with mio's features off
TEST_WINE   :=                 # under Wine

.PHONY: all help deps check conformance test test-tools install uninstall clean

all: $(STATIC) $(SHARED) $(RUNNER) ## build the static and shared library and the test runner

help: ## this list
	@awk -F':.*## ' '/^[a-z][a-z0-9-]*:.*## / { printf "make %-20s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

# wine.mk first: the others name its Windows build folder.
include tests/win32/wine.mk tests/tools/checks.mk tests/fuzz/fuzz.mk tests/scenario/scenario.mk \
        tests/upstream/upstream.mk tests/bench/bench.mk tests/tools/package.mk docs/docs.mk

DEPS ?= test
# DEPS=build|conformance|docs|prove|upstream|bench|test
deps: ## install (as root) or name the packages DEPS needs
	@sh tests/tools/deps.sh $(DEPS)

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

check: $(RUNNER) ## run the conformance suite (TEST=IOCP-DM-3 runs one test or suite)
	$(RUNNER) $(TEST)

# The suite on both substrates, then mio's own iocp.rs beside the module, then
# the report of each requirement.
conformance: ## main job: packages, build, the suite on both substrates, a line per requirement
	@sh tests/tools/deps.sh conformance
	$(MAKE) $(RUNNER) $(WIN_RUNNER) trace-check
	@mkdir -p $(BUILD)/report $(WIN_BUILD)/report
	$(RUNNER) --xml $(BUILD)/report/iocp; model=$$?; \
	{ $(call run_wine,--xml $(WIN_BUILD)/report/iocp); }; wine=$$?; \
	rm -f $(UPSTREAM_OUT)/report.json; $(MAKE) --no-print-directory diff-upstream; upstream=$$?; \
	$(PYTHON) tests/tools/report.py --csv traceability.csv --out $(BUILD)/report \
	  --checks $(BUILD)/trace-status.txt --upstream $(UPSTREAM_OUT)/report.json \
	  --results model=$(BUILD)/report/iocp-Results.xml \
	  --results wine=$(WIN_BUILD)/report/iocp-Results.xml \
	  && [ $$model = 0 ] && [ $$wine = 0 ] && [ $$upstream = 0 ]

test: ## every check, in both feature configurations (the stages above)
	@sh tests/tools/deps.sh test
	$(MAKE) -j2 $(TEST_BESIDE) test-tools
	$(MAKE) $(TEST_NATIVE)
	$(MAKE) BUILD=$(BUILD)/nofeat FEATURES="$(NOFEAT)" $(TEST_NOFEAT)
	$(MAKE) $(TEST_WINE)
	$(MAKE) WIN_BUILD=$(BUILD)/win-nofeat FEATURES="$(NOFEAT)" check-wine
	@echo "make test: all checks passed"

# The tools one after another, as two of them may build the same file.
test-tools:
	$(MAKE) -j1 $(TEST_TOOLS)

LIBDIR := $(DESTDIR)$(PREFIX)/lib
INCDIR := $(DESTDIR)$(PREFIX)/include/mio_iocp

install: $(STATIC) $(SHARED) ## libraries, headers and pkg-config file into DESTDIR/PREFIX
	install -d $(LIBDIR)/pkgconfig $(INCDIR)/model
	install -m 644 $(STATIC) $(LIBDIR)/libmio_iocp.a
	install -m 755 $(SHARED) $(LIBDIR)/libmio_iocp.so.$(VERSION)
	ln -sf libmio_iocp.so.$(VERSION) $(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(LIBDIR)/libmio_iocp.so
	install -m 644 src/mio_iocp.h src/win32.h $(INCDIR)/
	install -m 644 src/model/win32_model.h $(INCDIR)/model/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' src/mio_iocp.pc.in \
	  > $(LIBDIR)/pkgconfig/mio_iocp.pc

uninstall: ## remove what install and install-docs installed
	rm -rf $(INCDIR) $(DOCDIR)
	rm -f $(DESTDIR)$(PREFIX)/share/man/man3/mio_*.3 $(DESTDIR)$(PREFIX)/share/man/man3/iocp.c.3
	rm -f $(LIBDIR)/libmio_iocp.a $(LIBDIR)/libmio_iocp.so $(LIBDIR)/$(SONAME) \
	  $(LIBDIR)/libmio_iocp.so.$(VERSION) $(LIBDIR)/pkgconfig/mio_iocp.pc

clean: ## remove the build folder
	rm -rf $(BUILD)
