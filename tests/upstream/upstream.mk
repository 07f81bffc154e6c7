# mio 1.1.0's own source: the cited ranges checked against it, and its
# iocp.rs, built unmodified with Debian's rustc, beside the C module under
# Wine (tests/upstream; included by the Makefile).

.PHONY: verify-upstream diff-upstream
TEST_TOOLS += verify-upstream

# The copy is found by tests/tools/find_mio.sh: MIO_SRC if given, else the
# cargo registry's copy, an earlier clone, or a clone of tag v1.1.0 when the
# network allows.  With none, a check says plainly that it was skipped.
MIO_CLONE := $(BUILD)/mio-1.1.0
find_mio = src=$$(sh tests/tools/find_mio.sh "$(MIO_SRC)" $(MIO_CLONE)) || exit 1; \
	if [ -z "$$src" ]; then \
	  echo "$(1): SKIPPED: no copy of mio 1.1.0 (MIO_SRC, the cargo registry, or a clone of v1.1.0)"; \
	  exit 0; fi

verify-upstream: ## check a copy of mio 1.1.0 (MIO_SRC=<dir>) against the cited line ranges
	@$(call find_mio,verify-upstream); $(PYTHON) tests/tools/verify_upstream.py --mio-src "$$src"

# Fixed, not under $(BUILD): diff_rust.rs's #[path]s name build/upstream, and
# a #[path] is a literal relative to the source file.
UPSTREAM_OUT := build/upstream
DIFF_C := $(UPSTREAM_OUT)/diff_c.exe
$(DIFF_C): tests/upstream/diff_c.c $(MODULE_SRC) $(HEADERS)
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_CFLAGS) -static -o $@ tests/upstream/diff_c.c $(MODULE_SRC)

# Upstream's tests, then a step-by-step differential.
diff-upstream: ## mio's own iocp.rs beside the C module under Wine
	@sh tests/tools/deps.sh upstream
	$(MAKE) $(DIFF_C)
	@$(call find_mio,diff-upstream); \
	$(WINE_ENV) $(PYTHON) tests/upstream/diff_upstream.py --mio-src "$$src" --c-driver $(DIFF_C) \
	  --out $(UPSTREAM_OUT); status=$$?; $(WINE_ENV) wineserver -k 2>/dev/null; exit $$status
