"""The validation report and its renderers: a checklist and every problem, as text for people
and CI logs, JSON for machines, GitHub workflow commands for annotations on the files.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field

from pourparlers.display import printable
from pourparlers.errors import Problem
from pourparlers.repo import Repo
from pourparlers.validate.locate import one_line


@dataclass
class ValidationReport:
    """Everything wrong with the data, and the checklist that says which checks found it:
    (title, passed, number of problems) per check; `skipped` names the checks that do not
    apply, with why (title, reason); `command` is the verb that made the report."""

    problems: list[Problem]
    checks: list[tuple[str, bool, int]]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    command: str = "validate"

    @property
    def ok(self) -> bool:
        return not self.problems and all(passed for _, passed, _ in self.checks)


def render_text(report: ValidationReport) -> str:
    """The checklist (✓/✗ per check), then one line per problem; for people and CI logs."""
    failed = [c for c in report.checks if not c[1]]
    n = len(report.problems)
    if report.ok:
        lines = [f"{report.command}: all {len(report.checks)} checks passed"]
    else:
        lines = [f"{report.command}: {len(failed)} of {len(report.checks)} checks failed, "
                 f"{n} problem{'s' if n != 1 else ''}"]
    for name, passed, failures in report.checks:
        if passed:
            lines.append(f"  ✓ {name}")
        elif failures:
            lines.append(f"  ✗ {name}: {failures} problem{'s' if failures != 1 else ''}")
        else:
            lines.append(f"  ✗ {name}: not run (a table it needs is missing or malformed)")
    lines += [f"  - {name}: not checked ({reason})" for name, reason in report.skipped]
    if report.problems:
        lines += ["", "problems:"]
        lines += [f"  {printable(one_line(p.render()))}" for p in report.problems]
    return "\n".join(lines) + "\n"


def render_json(report: ValidationReport) -> str:
    """The report as JSON for machines: same order every run."""
    data = {
        "ok": report.ok,
        "checks": [{"name": name, "passed": passed, "failures": failures}
                   for name, passed, failures in report.checks],
        "problems": [p.as_dict() for p in report.problems],
    }
    if report.skipped:
        data["skipped"] = [{"name": name, "reason": reason} for name, reason in report.skipped]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: ValidationReport) -> str:
    """GitHub Actions workflow commands: one `::error` annotation per problem, on its file."""
    lines = []
    title = f"pourparlers {report.command}"
    for p in report.problems:
        props = []
        if p.file:
            props.append(f"file={_escape_property(p.file)}")
            if p.line:
                props.append(f"line={p.line}")
        props.append(f"title={_escape_property(f'{title}: {p.code}')}")
        details = [f"{p.location()}: {p.message}"]
        if p.expected:
            details.append(f"expected: {p.expected}")
        if p.field:
            details.append(f"schema: {p.field}")
        if p.hint:
            details.append(f"fix: {p.hint}")
        lines.append(f"::error {','.join(props)}::{_escape_data(chr(10).join(details))}")
    for name, passed, failures in report.checks:
        if not passed and not failures:
            lines.append(f"::error title={_escape_property(title)}::"
                         f"{_escape_data(f'check not run: {name}')}")
    for name, reason in report.skipped:
        lines.append(f"::notice title={_escape_property(title)}::"
                     f"{_escape_data(f'not checked: {name} ({reason})')}")
    if report.ok:
        lines.append(f"::notice title={_escape_property(title)}::"
                     f"all {len(report.checks)} checks passed")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- line numbers

_MAX_LOCATE_BYTES = 64 * 1024 * 1024


def _id_pattern(value: str, quoted: bool) -> re.Pattern[bytes]:
    literal = json.dumps(value, ensure_ascii=False) if quoted else value
    tail = b"" if quoted else rb"(?![0-9])"
    return re.compile(rb'"id"\s*:\s*' + re.escape(literal.encode("utf-8")) + tail)


def _line_of(data: bytes, annotation_id: str, region_id: str) -> int:
    """The line of the region's first item (else the annotation's `id`) in an export, or 0."""
    start, at = 0, None
    if annotation_id:
        anchor = data.find(b'"annotations"')
        found = _id_pattern(annotation_id, False).search(data, max(anchor, 0))
        if found:
            start = at = found.start()
    if region_id:
        found = (_id_pattern(region_id, True).search(data, start)
                 or _id_pattern(region_id, True).search(data))
        if found:
            at = found.start()
    return 0 if at is None else data.count(b"\n", 0, at) + 1


def with_lines(report: ValidationReport, repo: Repo) -> ValidationReport:
    """The report with `line` set on problems of export files, for GitHub annotations.

    The line is found by searching the file for the annotation's and the region's `"id"`
    (exports are JSON text, so a pretty-printed export gets the region's own line). Files
    that are links, unreadable or very large are left without lines.
    """
    cache: dict[str, bytes | None] = {}
    problems = []
    for p in report.problems:
        if p.line or not p.file.endswith(".json") or not (p.annotation_id or p.region_id):
            problems.append(p)
            continue
        if p.file not in cache:
            path = repo.root / p.file
            try:
                ok = (path.is_file() and not path.is_symlink()
                      and path.stat().st_size <= _MAX_LOCATE_BYTES)
                cache[p.file] = path.read_bytes() if ok else None
            except OSError:
                cache[p.file] = None
        data = cache[p.file]
        line = _line_of(data, p.annotation_id, p.region_id) if data else 0
        problems.append(dataclasses.replace(p, line=line) if line else p)
    return dataclasses.replace(report, problems=problems)
