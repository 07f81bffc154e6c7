# The Doxygen site and man pages, checked in headless Chromium (included by
# the Makefile).  Doxygen reads DOCS_OUT from its environment (docs/Doxyfile).

.PHONY: docs check-docs install-docs
TEST_TOOLS += check-docs

DOCS_OUT := $(BUILD)/docs
DOCS_GEN := $(DOCS_OUT)/gen
docs: $(DOCS_GEN)/traceability.md ## the Doxygen site and man pages in build/docs
	@sh tests/tools/deps.sh docs
	@src=$$(sh tests/tools/find_mio.sh "$(MIO_SRC)" $(MIO_CLONE) 2>/dev/null || true); \
	  $(PYTHON) docs/upstream_snippets.py --mio-src "$$src" $(DOCS_GEN)/iocp.rs.txt
	$(PYTHON) docs/c_snippets.py $(DOCS_GEN)
	$(PYTHON) docs/spec_pages.py traceability.csv $(DOCS_GEN)/spec
	$(PYTHON) docs/trace_graphs.py traceability.csv $(DOCS_GEN)/trace_graphs.md \
	  $(BUILD)/report/conformance.json
	rm -rf $(DOCS_OUT)/html $(DOCS_OUT)/man
	DOCS_OUT=$(DOCS_OUT) doxygen docs/Doxyfile || { cat $(DOCS_OUT)/warnings.log; exit 1; }
	@test ! -s $(DOCS_OUT)/warnings.log || { cat $(DOCS_OUT)/warnings.log; exit 1; }
	sh docs/reports.sh $(DOCS_OUT)/html $(BUILD)
	@echo "docs: $(DOCS_OUT)/html/index.html"

$(DOCS_GEN)/traceability.md: traceability.csv docs/matrix.py $(wildcard $(BUILD)/trace-status.txt)
	@mkdir -p $(dir $@)
	$(PYTHON) docs/matrix.py traceability.csv $@ $(BUILD)/trace-status.txt

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
