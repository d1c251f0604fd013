"""Test-session setup: Hugging Face libraries stay offline and cache into a temporary folder
(removed when the session ends); fixtures for repository copies and the one real Label Studio
server of the session.

Tests that need the server or a browser are marked `labelstudio` / `browser` from the fixtures
they use (`pytest_collection_modifyitems`), so `scripts/test -m "not labelstudio and not
browser"` is the quick loop and a marker can never be forgotten.

Tests that need a tool the machine lacks (a browser, node) are skipped through
`helpers.loud_skip`, and `pytest_terminal_summary` ends the run with a block per such skip.

The HF variables are read when `datasets` is imported, so they are set here, before any test
module imports it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from helpers import LOUD_SKIPS, REPO, copy_repository, free_port, loud_skip

from pourparlers.repo import Repo

_HF_HOME = tempfile.mkdtemp(prefix="pourparlers-hf-")
os.environ["HF_HOME"] = _HF_HOME
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_UPDATE_DOWNLOAD_COUNTS"] = "0"
os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")

MARKED_BY_FIXTURE = {"label_studio": "labelstudio", "chromium": "browser"}
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
"""Looked for on PATH in this order (as `scripts/test` does): Debian's package, then the ones
GitHub's Ubuntu runner images ship."""
NO_BROWSER = "POURPARLERS_NO_BROWSER"
"""Set by `scripts/test` to why it could not install Chromium."""
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for fixture, marker in MARKED_BY_FIXTURE.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(getattr(pytest.mark, marker))


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A copy of the repository's articles and schema, safe to modify, with an empty annotations/.

    Tests put the exports they need into it; `repo_with_annotations` has the repository's own.
    """
    return copy_repository(tmp_path / "repo")


@pytest.fixture
def repo_with_annotations(repo_copy: Path) -> Path:
    """`repo_copy` with the repository's gold and second annotations."""
    shutil.rmtree(repo_copy / "annotations")
    shutil.copytree(REPO / "annotations", repo_copy / "annotations")
    return repo_copy


@pytest.fixture
def hub(tmp_path):
    """The loopback stand-in of the Hugging Face Hub (tests/hubstandin.py), serving for one test."""
    from hubstandin import HubStandIn

    server = HubStandIn(tmp_path / "hub-storage").serve()
    yield server
    server.close()


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory):
    """A real Label Studio on 127.0.0.1, started once per test session on a fresh data dir.

    The server itself is installed once into the repository's git-ignored `.labelstudio/venv`
    (its own environment: it pins pyarrow<25). The first start migrates SQLite (~1.5 min).
    """
    from pourparlers.labelstudio import server

    reuse = os.environ.get("POURPARLERS_TEST_LABEL_STUDIO_HOME")
    if reuse:  # a developer's already running local server, to skip the 1.5 min start-up
        running = server.running(Path(reuse))
        assert running, f"no Label Studio running from {reuse}"
        yield running
        return
    python = server.install(Repo(REPO).labelstudio_home)
    home = tmp_path_factory.mktemp("labelstudio")
    running = server.start(home, port=free_port(), python=python)
    try:
        yield running
    finally:
        server.stop(home)


@pytest.fixture
def ls_env(label_studio, monkeypatch):
    """Point the package's Label Studio client at the session's server, as a user would."""
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.credentials.token)
    return label_studio


@pytest.fixture
def ls_client(ls_env):
    from label_studio_sdk import LabelStudio

    return LabelStudio(base_url=ls_env.url, api_key=ls_env.credentials.token)


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium driven by Playwright: Debian's `chromium` (`scripts/test` installs it
    when it runs as root or has passwordless sudo), else a `chromium-browser` or `google-chrome`
    the machine already has; never a browser downloaded by Playwright. Without one, the browser
    tests are skipped loudly."""
    path = usable_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def usable_browser() -> str:
    """The first of BROWSERS on PATH that answers `--version` (Ubuntu's apt `chromium-browser`
    is only a wrapper asking for a snap), or a loud skip saying why there is none."""
    if os.environ.get(NO_BROWSER):
        loud_skip("browser tests", os.environ[NO_BROWSER])
    path = next(filter(None, map(shutil.which, BROWSERS)), None)
    if path is None:
        loud_skip("browser tests", f"none of {', '.join(BROWSERS)} is on PATH; scripts/test installs "
                                   "Debian's chromium when it runs as root or has passwordless sudo")
    try:
        answer = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        loud_skip("browser tests", f"{path} --version did not answer: {error}")
    if answer.returncode != 0:
        loud_skip("browser tests", f"{path} --version failed (exit {answer.returncode}): "
                                   f"{(answer.stderr or answer.stdout).strip()[:300]}")
    return path


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_HF_HOME, ignore_errors=True)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """A block no one can miss for each kind of test this machine could not run, and on GitHub
    Actions a warning annotation on the run."""
    for what, reason in LOUD_SKIPS.items():
        terminalreporter.write_sep("!", f"{what} SKIPPED", red=True, bold=True)
        terminalreporter.write_line(f"{what} SKIPPED: {reason}", red=True, bold=True)
        if os.environ.get("GITHUB_ACTIONS") == "true":
            message = f"{what} SKIPPED: {reason}".replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            terminalreporter.write_line(f"::warning::{message}")
