"""A regular (non-editable) install works on the repository the user stands in, never on the
one it was installed from: the package is built and installed into a fresh virtual environment
and run inside a second copy of the repository.

The fresh environment takes the package's dependencies from the test environment (a `.pth`
line), so the test costs a build, not a download of pandas and pyarrow.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from helpers import REPO, copy_repository


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The `pourparlers` command of a fresh venv holding a built copy of the package."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    subprocess.run([uv, "venv", "--quiet", "-p", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([uv, "pip", "install", "--quiet", "--no-deps", "--python", str(python), str(REPO)],
                   check=True)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    dependencies = sysconfig.get_paths()["purelib"]
    Path(site, "zz_dependencies.pth").write_text(f"import site; site.addsitedir({dependencies!r})\n",
                                                 encoding="utf-8")
    return venv / "bin" / "pourparlers"


def run(command: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("POURPARLERS")}
    return subprocess.run([str(command), *args], cwd=cwd, capture_output=True, text=True, env=env)


def test_the_installed_package_is_not_the_source_tree(installed):
    where = subprocess.run([str(installed.with_name("python")), "-c",
                            "import pourparlers; print(pourparlers.__file__)"],
                           capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(installed.parents[1])), where


def test_validate_works_on_the_clone_it_is_run_in(installed, tmp_path):
    clone = copy_repository(tmp_path / "second clone", annotations=True)
    done = run(installed, "validate", cwd=clone)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all 19 checks passed" in done.stdout

    (clone / "raw" / "pp-0a488f442605.json").unlink()       # this clone only
    for where in (clone, clone / "annotations"):
        done = run(installed, "validate", cwd=where)
        assert done.returncode == 1
        assert "raw/pp-0a488f442605.txt" in done.stdout and "[raw-without-metadata]" in done.stdout

    done = run(installed, "validate", cwd=tmp_path)
    assert done.returncode == 1
    assert "Error [not-a-repository]: not inside a pourparlers repository" in done.stderr
    done = run(installed, "validate", "--root", str(clone), cwd=tmp_path)
    assert done.returncode == 1 and "[raw-without-metadata]" in done.stdout


def test_the_installed_package_ships_the_corpus_browser_s_templates_script_and_npm_manifest(installed, tmp_path):
    probe = ("import json; from importlib import resources; root = resources.files('pourparlers.site'); "
             "print(json.dumps([p.name for d in ('templates', 'static', 'npm') for p in (root / d).iterdir()]))")
    done = subprocess.run([str(installed.with_name("python")), "-c", probe], capture_output=True, text=True,
                          check=True, cwd=tmp_path)
    shipped = json.loads(done.stdout)
    assert {"base.html.j2", "article.html.j2", "compare.html.j2", "actor.html.j2", "corpus.html.j2",
            "site.css", "site.js", "package.json", "package-lock.json"} <= set(shipped)
