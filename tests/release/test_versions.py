"""Versions and the changelog: one grammar, bumps, and the insertion of a version's section."""

from __future__ import annotations

import pytest

from pourparlers.release import ReleaseError
from pourparlers.release.versions import check_version, next_version, update_changelog

DATE = "2026-11-23"


def test_next_version_and_changelog_insertion():
    assert [next_version(None, b) for b in ("patch", "minor", "major")] == ["0.0.1", "0.1.0", "1.0.0"]
    assert [next_version("1.4.2", b) for b in ("patch", "minor", "major")] == ["1.4.3", "1.5.0", "2.0.0"]
    log = "# Changelog\n\nintro\n\n## [0.1.0] - 2026-01-01\n\nold\n"
    assert update_changelog(log, "0.2.0", DATE, "gen\n") == (
        "# Changelog\n\nintro\n\n## [0.2.0] - 2026-11-23\n\ngen\n\n## [0.1.0] - 2026-01-01\n\nold\n")
    with pytest.raises(ReleaseError, match="already records 0.1.0 as released"):
        update_changelog(log, "0.1.0", DATE, "gen\n")


@pytest.mark.parametrize("version", ["1.0.0-rc1", "v1.0.0", "1.0", "1.0.0.0", "", "01.x.0"])
def test_one_version_grammar_refuses_what_is_not_major_minor_patch(version):
    with pytest.raises(ReleaseError, match="is not MAJOR.MINOR.PATCH"):
        check_version(version)
