#!/usr/bin/env python3
"""Checks the generated site the way a reader sees it, in headless Chromium.

Opens every HTML page of the site in one Chromium (driven over the DevTools
protocol on a pipe, no network), and fails if any internal link is broken: a
link to a file that does not exist, or to an anchor that the target page does
not have.  Checks that the matrix page names every requirement ID of
traceability.csv, and the two-click rule: for every invariant, two clicks
from index.html reach the definition of each C symbol that implements it
(a function's with its code shown) and its test with its body shown; and,
when make docs found mio's source, that every walkthrough section shows its
Rust; and that the matrix fits a 1280 px window.  Saves
screenshots of the main page, the matrix, the
walkthrough and one function page.
Usage: check_site.py HTML_DIR SHOT_DIR.  Python 3 standard library only.
"""
import base64
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--remote-debugging-pipe", "--window-size=1280,900"]
COLLECT = """JSON.stringify({
  ids: Array.from(document.querySelectorAll('[id],a[name]')).map(e => e.id || e.name),
  links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
  text: document.body ? document.body.innerText : '',
  members: Array.from(document.querySelectorAll('div.memitem')).map(m => {
    const title = m.previousElementSibling, anchor = title && title.previousElementSibling;
    return {id: anchor && anchor.id ? anchor.id : '',
            name: title ? title.textContent.replace(/[\u25c6\s]/g, '') : '',
            code: !!m.querySelector('div.fragment')}; })})"""
SHOTS = [("main", "index.html", None), ("matrix", "traceability.html", None),
         ("walkthrough", "walkthrough.html", None), ("mio_usage", "mio_usage.html", None),
         ("diagram", "why.html", None),
         ("function", "iocp_8c.html", "mio_completion_port_get_many")]
# True if the page's content fits the 1280 px window: no sideways scrolling.
FITS = """(() => { const c = document.getElementById('doc-content') || document.documentElement;
  return c.scrollWidth <= c.clientWidth + 1; })()"""
# Scrolls to the detailed documentation of the function named %s.
SCROLL_TO = """(() => {
  const link = Array.from(document.querySelectorAll('a[href*="#"]'))
    .find(a => a.textContent.trim() === '%s');
  const target = link && document.getElementById(link.hash.slice(1));
  if (target) target.scrollIntoView();
  return !!target; })()"""


class Browser:
    """A Chromium speaking the DevTools protocol over fds 3 (in) and 4 (out)."""

    def __init__(self, exe):
        self.profile = tempfile.mkdtemp(prefix="check-site-")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        def pipe_fds():  # the child's fds 3 and 4, inheritable, whatever their numbers were
            high_in, high_out = os.dup2(to_chrome_r, 100), os.dup2(from_chrome_w, 101)
            os.dup2(high_in, 3)
            os.dup2(high_out, 4)

        self.proc = subprocess.Popen(
            [exe, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            close_fds=False, preexec_fn=pipe_fds,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buffer, self.next_id = b"", 0
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Page.enable", session=True)

    def send(self, method, session, params):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def receive(self):
        while b"\0" not in self.buffer:
            chunk = os.read(self.from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, session=False, **params):
        wanted = self.send(method, session, params)
        while True:
            msg = self.receive()
            if msg.get("id") == wanted:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]

    def open(self, url):
        wanted = self.send("Page.navigate", True, {"url": url})
        loaded = answered = False
        while not (loaded and answered):
            msg = self.receive()
            answered = answered or msg.get("id") == wanted
            loaded = loaded or msg.get("method") == "Page.loadEventFired"

    def evaluate(self, expression):
        return self.call("Runtime.evaluate", session=True, expression=expression,
                         returnByValue=True)["result"]["value"]

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


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
    """Problems: a walkthrough section without its Rust, when make docs found mio's source."""
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
        elif block and line.strip() and not line.strip().startswith("//"):
            start = block[len("rust-L"):].split("-")[0]
            if f"L{start}-" in page and line.strip() not in page:
                problems.append(f"walkthrough: section {block} does not show its Rust ({line.strip()!r})")
            block = ""  # first code line of the block checked
    return problems


def main(html_dir, shot_dir):
    html_dir = os.path.abspath(html_dir)
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        sys.exit("check-docs: chromium not found (Debian package chromium)")
    os.makedirs(shot_dir, exist_ok=True)
    pages = sorted(f for f in os.listdir(html_dir) if f.endswith(".html"))
    browser = Browser(exe)
    wide = []  # pages that scroll sideways at 1280 px
    try:
        seen = {}
        for page in pages:
            browser.open(f"file://{html_dir}/{page}")
            seen[page] = json.loads(browser.evaluate(COLLECT))
        for name, page, function in SHOTS:
            browser.open(f"file://{html_dir}/{page}")
            if function is not None and not browser.evaluate(SCROLL_TO % function):
                print(f"check-docs: {page}: no documentation of {function}", file=sys.stderr)
                return 1
            browser.screenshot(os.path.join(shot_dir, f"{name}.png"))
            if name == "matrix" and not browser.evaluate(FITS):
                wide.append(page)
    finally:
        browser.close()

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
