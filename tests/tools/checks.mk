# The suite's variants, the trace, coverage, mutation, proof, SPIN and stress
# (included by the Makefile).

.PHONY: check-asan check-tsan check-valgrind check-clang check-features-off trace trace-check \
        check-tools coverage mutate check-mutate-module prove check-spin stress check-stress-tsan
TEST_BESIDE += check-spin prove
TEST_TOOLS  += check-tools
TEST_NATIVE += check-clang check-asan check-tsan check-valgrind check-stress-tsan coverage \
               check-mutate-module
TEST_NOFEAT += check-clang check-asan check-tsan check-valgrind

check-asan: ## the suite under ASan+UBSan, leaks included
	$(MAKE) BUILD=$(BUILD)/asan ASAN_OPTIONS=detect_leaks=1 \
	  SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" check

check-tsan: ## the suite under TSan
	$(MAKE) BUILD=$(BUILD)/tsan SANITIZE="-fsanitize=thread" TSAN_OPTIONS="halt_on_error=1" check

check-valgrind: $(RUNNER) ## the suite under valgrind's memcheck
	valgrind --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect,possible \
	  --errors-for-leak-kinds=definite,indirect,possible --fair-sched=yes -q $(RUNNER) $(TEST)

check-clang: ## the suite built with clang
	$(MAKE) BUILD=$(BUILD)/clang CC=clang check

check-features-off: ## the suite with mio's net and os-ext features off
	$(MAKE) BUILD=$(BUILD)/nofeat FEATURES="$(NOFEAT)" check

trace: $(RUNNER) ## regenerate traceability.csv
	$(RUNNER) --list > $(BUILD)/registered.tsv
	$(PYTHON) tests/tools/traceability.py --registered $(BUILD)/registered.tsv --write traceability.csv

trace-check: $(RUNNER) ## fail if traceability.csv is stale or incomplete (SEED=<design document>)
	$(RUNNER) --list > $(BUILD)/registered.tsv
	$(PYTHON) tests/tools/traceability.py --registered $(BUILD)/registered.tsv \
	  --check traceability.csv $(if $(SEED),--seed $(SEED)) --status $(BUILD)/trace-status.txt

check-tools: ## the trace checker's, the upstream verifier's and the differential's own tests
	$(PYTHON) tests/tools/test_traceability.py
	$(PYTHON) tests/tools/test_verify_upstream.py
	$(PYTHON) tests/upstream/test_diff_upstream.py

# iocp.c 100% of lines and branches, the model 95% and 90%; every line left
# uncovered is listed with its reason in tests/lists/coverage_uncovered.txt.
COV_BUILD := $(BUILD)/cov
COV_OUT   := $(BUILD)/coverage
coverage: ## gcov/gcovr report in build/coverage, gated by floors
	rm -rf $(COV_BUILD) $(COV_OUT)
	$(MAKE) BUILD=$(COV_BUILD) CFLAGS="-O0 -g --coverage -DNDEBUG" $(COV_BUILD)/runner
	$(COV_BUILD)/runner > $(COV_BUILD)/run.log 2>&1 || { tail -30 $(COV_BUILD)/run.log; exit 1; }
	@mkdir -p $(COV_OUT)
	gcovr -r . -f src/ --json $(COV_OUT)/coverage.json --html-details $(COV_OUT)/index.html \
	  $(COV_BUILD)/obj
	$(PYTHON) tests/tools/coverage_gate.py $(COV_OUT)/coverage.json tests/lists/coverage_uncovered.txt \
	  > $(COV_OUT)/summary.txt; status=$$?; cat $(COV_OUT)/summary.txt; exit $$status

# Every mutant against the suite (tests/tools/mutate.py), per file at least
# 95% killed and 90% strict; make test runs it on the module only.
MUTATE_JOBS ?= 2
mutate: ## mutation testing of src/ (long)
	$(PYTHON) tests/tools/mutate.py --jobs $(MUTATE_JOBS) --out $(BUILD)/mutation \
	  $(MODULE_SRC) $(MODEL_SRC)

check-mutate-module: ## mutation testing of src/iocp.c and src/version.c
	$(PYTHON) tests/tools/mutate.py --jobs $(MUTATE_JOBS) --out $(BUILD)/mutation-module $(MODULE_SRC)

prove: ## Frama-C WP on the ACSL contracts of src/iocp.c (tests/proof)
	@sh tests/tools/deps.sh prove
	sh tests/proof/prove.sh $(BUILD)/prove

check-spin: ## SPIN on the port's protocol (tests/spin/port.pml)
	sh tests/spin/check.sh $(BUILD)/spin

# Exactly once under load and under close: 8 posters x 8 getters x 10^7
# packets each, then 20 rounds closed at a random moment (tests/stress/stress.c).
STRESS := $(BUILD)/stress
STRESS_ARGS ?= 8 8 10000000 20 1
$(STRESS): tests/stress/stress.c $(STATIC) $(HEADERS)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ tests/stress/stress.c $(STATIC) -pthread

stress: $(STRESS) ## 8 posters x 8 getters x 10^7 packets, then ports closed at random moments
	timeout 900 $(STRESS) $(STRESS_ARGS)

check-stress-tsan: ## a small stress run under TSan
	$(MAKE) BUILD=$(BUILD)/tsan SANITIZE="-fsanitize=thread" TSAN_OPTIONS="halt_on_error=1" \
	  STRESS_ARGS="8 8 20000 8 1" stress
