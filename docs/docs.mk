# The Doxygen site and man pages, checked in headless Chromium (included by
# the Makefile).  Doxygen reads DOCS_OUT from its environment (docs/Doxyfile).

.PHONY: docs check-docs install-docs
TEST_TOOLS += check-docs

DOCS_OUT := $(BUILD)/docs
DOCS_GEN := $(DOCS_OUT)/gen
# The reports the pages show when a run left them, each a Doxygen section the
# pages open with \if (the long runs are not made here: their pages say which
# command fills them).
DOCS_SECTIONS = $(if $(wildcard $(BUILD)/coverage/index.html),have_coverage) \
  $(if $(wildcard $(BUILD)/mutation/report.md $(BUILD)/mutation-module/report.md),have_mutation) \
  $(if $(wildcard $(UPSTREAM_OUT)/report.md),have_upstream) \
  $(if $(wildcard $(BUILD)/bench/report.md),$(if $(wildcard $(BUILD)/bench/ratios.svg),have_bench))
# The quick checks the pages report are run first: trace-check for the matrix,
# the suite on the model for the graphs' results (unless make conformance left
# results of both substrates).
docs: ## the Doxygen site and man pages in build/docs
	@sh tests/tools/deps.sh docs
	$(MAKE) --no-print-directory trace-check
	$(MAKE) --no-print-directory $(DOCS_GEN)/traceability.md $(DOCS_GEN)/conformance.json
	@src=$$(sh tests/tools/find_mio.sh "$(MIO_SRC)" $(MIO_CLONE) 2>/dev/null || true); \
	  $(PYTHON) docs/upstream_snippets.py --mio-src "$$src" $(DOCS_GEN)/iocp.rs.txt
	$(PYTHON) docs/c_snippets.py $(DOCS_GEN)
	$(PYTHON) docs/spec_pages.py traceability.csv $(DOCS_GEN)/spec
	$(PYTHON) docs/trace_graphs.py traceability.csv $(DOCS_GEN)/trace_graphs.md \
	  $(DOCS_GEN)/conformance.json
	rm -rf $(DOCS_OUT)/html $(DOCS_OUT)/man
	DOCS_OUT=$(DOCS_OUT) DOCS_SECTIONS="$(strip $(DOCS_SECTIONS))" doxygen docs/Doxyfile || \
	  { cat $(DOCS_OUT)/warnings.log; exit 1; }
	@test ! -s $(DOCS_OUT)/warnings.log || { cat $(DOCS_OUT)/warnings.log; exit 1; }
	sh docs/reports.sh $(DOCS_OUT)/html $(BUILD) $(UPSTREAM_OUT)
	@echo "docs: $(DOCS_OUT)/html/index.html ($(or $(strip $(DOCS_SECTIONS)),no long-run report))"

$(DOCS_GEN)/traceability.md: traceability.csv docs/matrix.py $(BUILD)/trace-status.txt
	@mkdir -p $(dir $@)
	$(PYTHON) docs/matrix.py traceability.csv $@ $(BUILD)/trace-status.txt

# make conformance's report when it is newer than the runner, else the suite
# run on the model now.
$(DOCS_GEN)/conformance.json: $(RUNNER) $(wildcard $(BUILD)/report/conformance.json)
	@mkdir -p $(DOCS_GEN)/report
	if [ -f $(BUILD)/report/conformance.json ] && [ $(BUILD)/report/conformance.json -nt $(RUNNER) ]; \
	then cp $(BUILD)/report/conformance.json $@; else \
	  $(RUNNER) --xml $(DOCS_GEN)/report/iocp > $(DOCS_GEN)/report/run.txt && \
	  $(PYTHON) tests/tools/report.py --csv traceability.csv --out $(DOCS_GEN)/report \
	    --checks $(BUILD)/trace-status.txt \
	    --results model=$(DOCS_GEN)/report/iocp-Results.xml > /dev/null && \
	  cp $(DOCS_GEN)/report/conformance.json $@; fi

# Debian's python3, by path: its python3-selenium drives Chromium through
# chromium-driver (another python3 first on PATH may not have Selenium).
SITE_PYTHON := /usr/bin/python3
check-docs: docs ## every page of the site opened in headless Chromium and checked
	$(SITE_PYTHON) docs/check_site.py $(DOCS_OUT)/html $(DOCS_OUT)/screenshots

# The public API's man pages (the function and type pages and the files they
# point to) and the HTML site.
MAN_PAGES = $(DOCS_OUT)/man/man3/mio_*.3 $(DOCS_OUT)/man/man3/iocp.c.3
DOCDIR := $(DESTDIR)$(PREFIX)/share/doc/mio_iocp

install-docs: docs ## the man pages and the HTML site into DESTDIR/PREFIX
	install -d $(DESTDIR)$(PREFIX)/share/man/man3 $(DOCDIR)
	install -m 644 $(MAN_PAGES) $(DESTDIR)$(PREFIX)/share/man/man3/
	cp -R $(DOCS_OUT)/html $(DOCDIR)/
