#!/usr/bin/env python3
"""Checks the generated site the way a reader sees it, in headless Chromium.

Opens every HTML page of the site in one Chromium, driven by Selenium through
Debian's chromedriver (no network), and fails if any internal link is broken:
a link to a file that does not exist, or to an anchor that the target page
does not have.  Checks that the matrix page names every requirement ID of
traceability.csv, and the two-click rule: for every invariant, two clicks
from index.html reach the definition of each C symbol that implements it
(a function's with its code shown) and its test with its body shown; and,
when make docs found mio's source, that every walkthrough section shows its
Rust; that no plain word links to a symbol of the scenario program; that no
page holds a placeholder where a result belongs; and that the matrix fits a
1280 px window.  Saves screenshots of the
main page, the matrix, the walkthrough, the deviations page and one function page.
Usage: check_site.py HTML_DIR SHOT_DIR.  Debian's python3 with
python3-selenium and chromium-driver.
"""
import csv
import importlib.util
import json
import os
import re
import shutil
import sys
import urllib.parse

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1280,900"]
COLLECT = """return JSON.stringify({
  ids: Array.from(document.querySelectorAll('[id],a[name]')).map(e => e.id || e.name),
  links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
  words: Array.from(document.querySelectorAll('a.el')).map(a => [a.textContent, a.href]),
  text: document.body ? document.body.innerText : '',
  members: Array.from(document.querySelectorAll('div.memitem')).map(m => {
    const title = m.previousElementSibling, anchor = title && title.previousElementSibling;
    return {id: anchor && anchor.id ? anchor.id : '',
            name: title ? title.textContent.replace(/[\u25c6\s]/g, '') : '',
            code: !!m.querySelector('div.fragment')}; })})"""
SHOTS = [("main", "index.html", None), ("matrix", "traceability.html", None),
         ("walkthrough", "walkthrough.html", None), ("mio_usage", "mio_usage.html", None),
         ("diagram", "why.html", None), ("deviations", "deviations.html", None),
         ("function", "iocp_8c.html", "mio_completion_port_get_many")]
# True if the page's content fits the 1280 px window: no sideways scrolling.
FITS = """const c = document.getElementById('doc-content') || document.documentElement;
  return c.scrollWidth <= c.clientWidth + 1;"""
# Scrolls to the detailed documentation of the function named %s.
SCROLL_TO = """const link = Array.from(document.querySelectorAll('a[href*="#"]'))
    .find(a => a.textContent.trim() === '%s');
  const target = link && document.getElementById(link.hash.slice(1));
  if (target) target.scrollIntoView();
  return !!target;"""


def browser(chromium, driver):
    """A headless Chromium under Selenium, through the chromedriver at `driver`."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)


def targets(seen, html_dir, page):
    """(page, anchor) pairs one click from `page`."""
    out = set()
    for link in seen.get(page, {"links": []})["links"]:
        url = urllib.parse.urlsplit(link)
        if url.scheme == "file":
            out.add((os.path.relpath(urllib.parse.unquote(url.path), html_dir), url.fragment))
    return out


def two_clicks(seen, html_dir, rows):
    """Problems: invariants whose code or test is more than two clicks from index.html."""
    first = targets(seen, html_dir, "index.html")
    reach = set(first)
    for page in {p for p, _ in first}:
        reach |= targets(seen, html_dir, page)
    shown = {}  # member name -> shown with its code (functions) or at all (types)
    for page, anchor in reach:
        for m in seen.get(page, {"members": []})["members"]:
            if m["id"] == anchor and anchor:
                name = m["name"].rstrip("()")
                function = m["name"].endswith("()")
                shown[name] = shown.get(name, False) or (m["code"] or not function)
    problems = []
    for r in rows:
        if r["kind"] != "invariant":
            continue
        for symbol in [s for s in r["c_symbol"].split(";") if s] + [r["cunit_function"]]:
            if not shown.get(symbol):
                problems.append(f"two clicks: {r['req_id']}: {symbol} is not reached, with its "
                                f"code, in two clicks from index.html")
    return problems


def rust_in_walkthrough(seen, html_dir):
    """Problems: a walkthrough section that does not show its Rust from the range's first
    line (doc comments included), when make docs found mio's source."""
    snippets = os.path.join(os.path.dirname(html_dir), "gen", "iocp.rs.txt")
    if not os.path.exists(snippets):
        return ["walkthrough: build/docs/gen/iocp.rs.txt is missing (make docs writes it)"]
    lines = open(snippets, encoding="utf-8").read().split("\n")
    if "SHA-256 checked" not in lines[0]:
        return []  # no source: the pages say how to get one, and link to GitHub
    page = seen.get("walkthrough.html", {"text": ""})["text"]
    problems, block = [], None
    for line in lines[1:]:
        if line.startswith("// [rust-L"):
            block = None if block is not None else line[4:-1]
        elif block and line.strip():
            start = block[len("rust-L"):].split("-")[0]
            if f"L{start}-" in page and line.strip() not in page:
                problems.append(f"walkthrough: section {block} does not show its Rust from its "
                                f"first line ({line.strip()!r})")
            block = ""  # the range's first line (a doc comment too) checked
    return problems


# What a page says when it holds no result: a site must not promise one and show this.
PLACEHOLDERS = ("No report yet", "No chart yet", "did not run before this page was made")


def placeholders(seen):
    """Problems: a page that holds a placeholder where a result belongs."""
    return [f"{page}: holds a placeholder ({p!r}), not a result" for page, found in sorted(seen.items())
            for p in PLACEHOLDERS if p in found["text"]]


def stray_links(seen, html_dir):
    """Problems: a plain word linked to a symbol of the scenario program (Doxygen links
    every word that names a documented symbol, so a type of tests/scenario/selector.c
    named like a word of prose draws links from pages that never meant it)."""
    source = open(os.path.join("tests", "scenario", "selector.c"), encoding="utf-8").read()
    own = {"selector_8c.html", "selector_8c_source.html"} | {
        "struct" + name.replace("_", "__") + ".html"
        for name in re.findall(r"^typedef struct (\w+)", source, re.M)}
    index = ("annotated", "classes", "files", "globals", "functions", "dir_")
    problems = []
    for page, found in sorted(seen.items()):
        if page in own or page.startswith(index):
            continue
        for text, href in found.get("words", []):
            target = os.path.basename(urllib.parse.urlsplit(href).path)
            if target in own and re.fullmatch(r"[a-z]+", text.strip()):
                problems.append(f"{page}: the word {text.strip()!r} links to the scenario program ({target})")
    return problems


def main(html_dir, shot_dir):
    html_dir = os.path.abspath(html_dir)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if chromium is None or driver is None:
        sys.exit("check-docs: chromium or chromedriver not found (Debian packages chromium, "
                 "chromium-driver)")
    if importlib.util.find_spec("selenium") is None:
        sys.exit(f"check-docs: {sys.executable} has no selenium (Debian package python3-selenium, "
                 "for /usr/bin/python3)")
    os.makedirs(shot_dir, exist_ok=True)
    pages = sorted(f for f in os.listdir(html_dir) if f.endswith(".html"))
    chrome = browser(chromium, driver)
    wide = []  # pages that scroll sideways at 1280 px
    try:
        seen = {}
        for page in pages:
            chrome.get(f"file://{html_dir}/{page}")
            seen[page] = json.loads(chrome.execute_script(COLLECT))
        for name, page, function in SHOTS:
            chrome.get(f"file://{html_dir}/{page}")
            if function is not None and not chrome.execute_script(SCROLL_TO % function):
                print(f"check-docs: {page}: no documentation of {function}", file=sys.stderr)
                return 1
            chrome.save_screenshot(os.path.join(shot_dir, f"{name}.png"))
            if name == "matrix" and not chrome.execute_script(FITS):
                wide.append(page)
    finally:
        chrome.quit()

    problems, checked = [f"{p}: wider than the 1280 px window (it scrolls sideways)" for p in wide], 0
    for page, found in seen.items():
        for link in found["links"]:
            url = urllib.parse.urlsplit(link)
            if url.scheme != "file":
                continue
            checked += 1
            target = urllib.parse.unquote(url.path)
            rel = os.path.relpath(target, html_dir)
            if not os.path.exists(target):
                problems.append(f"{page}: link to missing file {rel}")
            elif url.fragment and rel in seen and url.fragment not in seen[rel]["ids"]:
                problems.append(f"{page}: link to missing anchor {rel}#{url.fragment}")
    rows = list(csv.DictReader(open("traceability.csv", encoding="utf-8")))
    ids = [r["req_id"] for r in rows]
    problems += two_clicks(seen, html_dir, rows)
    problems += rust_in_walkthrough(seen, html_dir)
    problems += stray_links(seen, html_dir)
    problems += placeholders(seen)
    matrix = seen.get("traceability.html", {"text": ""})["text"]
    problems += [f"traceability.html: requirement {i} is not on the matrix page"
                 for i in ids if i not in matrix]
    for p in problems:
        print(f"check-docs: {p}", file=sys.stderr)
    print(f"check-docs: {len(pages)} pages, {checked} internal links checked, {len(ids)} requirement "
          f"IDs on the matrix page, two clicks to the code and test of each invariant; screenshots in {shot_dir}: "
          + ", ".join(f"{shot[0]}.png" for shot in SHOTS))
    if problems:
        print(f"check-docs: FAILED with {len(problems)} problem(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
