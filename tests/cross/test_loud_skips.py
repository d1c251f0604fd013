"""A machine without a browser skips the browser tests, never silently and never as a failure:
the reason stands in a block at the end of the run (and as a warning annotation on GitHub).

Each case runs pytest on a one-test file that asks for the `chromium` fixture, in a folder with
a copy of tests/conftest.py (which imports tests/helpers.py from the repository).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from helpers import REPO

REASON = "neither root nor passwordless sudo (given by scripts/test)"


def run_browser_test(folder: Path, **env: str) -> subprocess.CompletedProcess:
    shutil.copy2(REPO / "tests" / "conftest.py", folder / "conftest.py")
    (folder / "pytest.ini").write_text("[pytest]\nmarkers =\n    labelstudio: -\n    browser: -\n", encoding="utf-8")
    (folder / "test_page.py").write_text("def test_page_opens(chromium):\n    chromium.new_page()\n",
                                         encoding="utf-8")
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("POURPARLERS_NO_BROWSER", "GITHUB_ACTIONS")}
    environment |= {"PYTHONPATH": str(REPO / "tests"), **env}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--strict-markers",
                           "test_page.py"], cwd=folder, env=environment, capture_output=True, text=True)


def closing_block(output: str) -> str:
    """What the run printed after its last test line: the warning block and the counts."""
    return output[output.rindex("browser tests SKIPPED !"):] if "browser tests SKIPPED !" in output else ""


def test_the_reason_scripts_test_gives_is_a_loud_skip_at_the_end_of_the_run(tmp_path):
    run = run_browser_test(tmp_path, POURPARLERS_NO_BROWSER=REASON)
    assert run.returncode == 0, run.stdout + run.stderr
    block = closing_block(run.stdout)
    assert f"browser tests SKIPPED: {REASON}" in block, run.stdout
    assert block.rstrip().splitlines()[-1].startswith("1 skipped"), block
    assert "::warning::" not in run.stdout


def test_no_browser_on_path_is_a_loud_skip_naming_the_browsers_looked_for(tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    run = run_browser_test(tmp_path, PATH=str(empty))
    assert run.returncode == 0, run.stdout + run.stderr
    assert ("browser tests SKIPPED: none of chromium, chromium-browser, google-chrome is on PATH"
            in closing_block(run.stdout)), run.stdout


def test_on_github_actions_the_skip_is_also_a_warning_annotation(tmp_path):
    run = run_browser_test(tmp_path, POURPARLERS_NO_BROWSER="100% sure\nno browser", GITHUB_ACTIONS="true")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "\n::warning::browser tests SKIPPED: 100%25 sure%0Ano browser\n" in run.stdout, run.stdout
