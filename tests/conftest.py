"""Shared fixtures: the bundled data built once per session, small helpers to run the real `bdp`."""

from __future__ import annotations

import fcntl
import gc
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from publisher.config import load_settings
from tests.schedule import pytest_collection_modifyitems  # noqa: F401  (the longest test scopes first)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run_bdp(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real command line in a child process, as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "publisher", *args], cwd=cwd or ROOT, env=full_env,
                          capture_output=True, text=True, timeout=600)


def invoke_bdp(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real command line in this process (click's CliRunner), for tests about what a command does
    rather than about the process boundary: the same exit code, stdout and stderr as `run_bdp` without a
    Python start-up (~1 s of imports a child). An exception escaping the command is what a child would
    print as a traceback: it is added to stderr, so `"Traceback" not in stderr` still checks for it."""
    import traceback

    from click.testing import CliRunner

    from publisher.cli import main

    result = CliRunner(env=env).invoke(main, list(args), prog_name="bdp")
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "Traceback (most recent call last):\n" + "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(["bdp", *args], result.exit_code, result.stdout, stderr)


def tree_digest(path: Path) -> dict[str, str]:
    """Every file below `path` with the SHA-256 of its bytes: to show an output was not touched."""
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


def pytest_collection_finish(session: pytest.Session) -> None:
    """What the imports and the collection made lives to the end of the run: frozen (gc.freeze), the
    cyclic collector stops walking it again at each full collection of a test process (~100k objects; a
    fork's copy, a build worker's, is then left unwritten by the collector too)."""
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session")
def settings():
    return load_settings({}, environ={})


def made_once(tmp_path_factory, name: str, make: Callable[[Path], None]) -> Path:
    """A folder made once per test run, not once per pytest-xdist worker: the first process to get here
    calls make(folder) under a lock on a file beside it, the other waits and uses what it made. For inputs
    the tests only read (a test that changes one works on a copy, as with one worker)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent          # --basetemp (or pytest's own), shared by the workers of this run
    folder, done = root / f"once-{name}", root / f"once-{name}.done"
    with open(root / f"once-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            done.touch()
    return folder


@pytest.fixture(scope="session")
def built(tmp_path_factory, settings) -> Path:
    """The bundled data/ built once per run into a temporary OUT (made_once: shared by the workers)."""
    from publisher.pipeline.build import build

    return made_once(tmp_path_factory, "bundled",
                     lambda folder: build(settings, DATA, folder / "out", workers=2)) / "out"


@pytest.fixture(scope="session")
def generated_practices(tmp_path_factory, settings) -> Path:
    """40 generated practices (partners with roles and sectors, contacts, attachments), two of them cited by
    publications (one in both languages, one in Polish only), built once per run (made_once)."""
    from publisher.pipeline.build import build
    from publisher.synthetic.generate import generate

    def make(root: Path) -> None:
        generate(40, root / "data", seed=5)
        keys = sorted(path.stem for path in (root / "data" / "practices").glob("*.yaml"))[:2]
        (root / "data" / "publications").mkdir()
        for key, record in (("raport", {"title": {"pl": "Raport", "en": "A report"}, "year": 2012,
                                        "url": "https://example.org/raport.pdf", "practices": keys}),
                            ("notatka", {"title": {"pl": "Notatka"}, "url": "https://example.org/n.txt",
                                         "practices": keys[:1]})):
            text = yaml.safe_dump({"key": key, **record}, allow_unicode=True, sort_keys=False)
            (root / "data" / "publications" / f"{key}.yaml").write_text(text, encoding="utf-8")
        build(settings, root / "data", root / "out", workers=1)

    return made_once(tmp_path_factory, "generated-practices", make) / "out"


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of the bundled data, for tests that break a record."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("links"))
    return target


# --- real servers on 127.0.0.1 ---------------------------------------------------------------------

import socket  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

from werkzeug.serving import make_server  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# How often a server thread looks for shutdown(): socketserver's default, 0.5 s, is what every stop of a
# server waited (~40 stops a run); a tenth of it costs an idle server 10 wake-ups a second.
POLL_INTERVAL = 0.05


def closing_body(app):
    """`app` with each response body closed when the server lets go of it. Werkzeug's development server
    skips the body's close() when the client drops the connection while it is being sent (a browser
    leaving a page during its favicon): a static file's handle is then left to the garbage collector, a
    ResourceWarning that the suite turns into an error. gunicorn, which serves the site, closes it."""
    def served(environ, start_response):
        body = app(environ, start_response)
        try:
            yield from body
        finally:
            if hasattr(body, "close"):
                body.close()
    return served


class LiveServer:
    """A WSGI app served by a real HTTP server on a free loopback port, in a thread."""

    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, closing_body(app), threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(POLL_INTERVAL,), daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


def close_store(app) -> None:
    """Close the store an app opened (the embedded one holds query worker processes)."""
    store = app.extensions.get("bdp_store")
    if store is not None:
        store.close()


@pytest.fixture(scope="module")
def app(built, settings):
    """The app over the bundled build; a module that serves other data overrides this fixture."""
    from publisher.web import create_app

    app = create_app(settings.with_(out=str(built)))
    yield app
    close_store(app)


@pytest.fixture(scope="module")
def server(app):
    """One real HTTP server on a free 127.0.0.1 port for the module, serving `app`."""
    with LiveServer(app) as running:
        yield running


@pytest.fixture
def live_server():
    """live_server(app) -> LiveServer started on 127.0.0.1 and stopped after the test."""
    started: list[LiveServer] = []

    def start(app) -> LiveServer:
        server = LiveServer(app).__enter__()
        started.append(server)
        return server

    yield start
    for server in started:
        server.__exit__(None, None, None)


def stop_process(process: subprocess.Popen, grace: float = 30.0) -> None:
    """Ask a server we started to stop (SIGTERM); kill it if it is still there after `grace` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


class OxigraphServer:
    """A real `oxigraph serve` (PyPI package `oxigraph`) on a free loopback port, with its own location."""

    def __init__(self, location: Path, port: int | None = None) -> None:
        self.location, self.port = location, port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    @property
    def query_url(self) -> str:
        return self.url + "/query"

    @property
    def update_url(self) -> str:
        return self.url + "/update"

    @property
    def store_url(self) -> str:
        return self.url + "/store"

    def start(self) -> OxigraphServer:
        exe = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
        self.process = subprocess.Popen([exe, "serve", "--location", str(self.location), "--bind",
                                         f"127.0.0.1:{self.port}"], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process:
            stop_process(self.process, 10)
        if self.process and self.process.stderr:
            self.process.stderr.close()


@pytest.fixture
def oxigraph_server(tmp_path):
    """oxigraph_server() -> a started OxigraphServer on a fresh location; stopped after the test."""
    servers: list[OxigraphServer] = []

    def start(location: Path | None = None) -> OxigraphServer:
        server = OxigraphServer(location or tmp_path / f"oxigraph-{len(servers)}").start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


# --- one headless Chromium per test process --------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = FIXTURES / "axe" / "axe.min.js"           # axe-core, vendored from npm (MPL-2.0)
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright, launched once per test process (an xdist worker) and shared
    by the browser modules: each module opens its own contexts (`tabs`), so nothing but the process is
    shared between modules. Playwright's sync API allows one instance per thread, so tests take this
    fixture, never start their own."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def loopback_only(context) -> list[str]:
    """Refuse every request of a browser context that leaves 127.0.0.1 (a page that reaches out is a bug,
    and this machine has no network); returns the list the refused URLs are added to, for the test to check."""
    from urllib.parse import urlsplit

    outside: list[str] = []

    def guard(route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    return outside


# A script that runs on a page (not a JSON-LD block): without one, nothing can start a request after `load`.
SCRIPTED = "() => document.querySelector('script:not([type=\"application/ld+json\"])') !== null"


class Tab:
    """One browser context and its page, kept from test to test of a module and reset before each: a new
    context is a new renderer process, ~0.3 s of Chromium's CPU a visit, and the page's checks do not
    need one. What a visit could leave to the next is cleared or cannot exist: the cookies (the site's
    only state in a browser: the `lang` one, and the form's session) are dropped, the viewport is put
    back; no script of the site uses localStorage, sessionStorage, IndexedDB or a service worker
    (publisher/web/static/); and while a route is set (loopback_only) Playwright turns the HTTP cache off,
    so every resource is fetched again, through the guard. axe-core is added to every document as it
    starts (an init script: its 650 kB are sent to Chromium once, and the renderer, kept from visit to
    visit, finds them compiled) instead of being sent and parsed after each load; it is only run where a
    test asks (axe_violations). The console errors, page errors and refused requests since the last
    reset are in `errors` and `outside`."""

    def __init__(self, browser, viewport: str | dict, **options) -> None:
        self.viewport = VIEWPORTS[viewport] if isinstance(viewport, str) else viewport
        self.context = browser.new_context(locale="pl-PL", viewport=self.viewport, **options)
        self.context.add_init_script(path=str(AXE))
        self.outside = loopback_only(self.context)
        self.errors: list[str] = []
        self.pending: set = set()
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.pending.add(r))
        self.page.on("requestfinished", lambda r: self.pending.discard(r))
        self.page.on("requestfailed", lambda r: self.pending.discard(r))

    def reset(self):
        """The page as a fresh context's: no cookies, the viewport it was opened with, nothing recorded. The
        page the last test left stays until the next navigation: an error or request of it that comes
        late lands in this test's lists and fails it (never the other way: nothing is missed)."""
        self.context.clear_cookies()
        if self.page.viewport_size != self.viewport:
            self.page.set_viewport_size(self.viewport)
        self.errors.clear()
        self.outside.clear()
        self.pending.clear()
        return self.page

    def open(self, url: str):
        """reset(), then load `url` and settle(); returns the page."""
        self.reset().goto(url, wait_until="load")
        self.settle()
        return self.page

    def settle(self) -> None:
        """Wait until every request the page started (the map's fetches after `load`) has finished and none
        started for 100 ms: what the checks need, without Playwright's `networkidle` fixed 500 ms. A page
        without a script can start none after `load`: nothing to wait for then."""
        if not self.pending and not self.page.evaluate(SCRIPTED):
            return
        quiet, rounds = 0, 0
        while quiet < 2:
            self.page.wait_for_timeout(50)
            quiet, rounds = (0 if self.pending else quiet + 1), rounds + 1
            assert rounds < 600, f"requests still open after 30 s: {[r.url for r in self.pending]}"

    def close(self) -> None:
        self.context.close()


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it is (the whole page, axe's default rules and options): the
    rule, its help and the elements, for the failure message. The page is a Tab's (axe is loaded)."""
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .map(v => ({id: v.id, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))""")


@pytest.fixture(scope="module")
def tabs(chromium):
    """tabs(viewport, **context options) -> the module's Tab for them, made on first use, reset by the
    caller (Tab.open or Tab.reset), closed at the end of the module."""
    made: dict[tuple, Tab] = {}

    def tab(viewport: str | dict = "desktop", **options) -> Tab:
        key = (repr(viewport), tuple(sorted(options.items())))
        if key not in made or made[key].page.is_closed():
            made[key] = Tab(chromium, viewport, **options)
        return made[key]

    yield tab
    for made_tab in made.values():
        made_tab.close()


ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


SCREENSHOTS = os.environ.get("TEST_SCREENSHOTS", "") not in ("", "0")


def screenshot(page, name: str) -> None:
    """A full-page picture under test-artifacts/ for a person to look at (no test compares them), taken
    when TEST_SCREENSHOTS=1 is set (not BDP_*, the settings' prefix): a full-page capture costs the
    browser 0.1-1 s, and the browser tests open ~80 pages."""
    if not SCREENSHOTS:
        return
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True, animations="disabled")
