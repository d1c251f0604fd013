"""Fixtures of the release tests: a repository copy and its build, made once per module."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import copy_repository

from pourparlers import build as build_module
from pourparlers.repo import Repo


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """A copy of the repository with its gold annotations."""
    return copy_repository(tmp_path_factory.mktemp("repo") / "repo", annotations=True)


@pytest.fixture(scope="module")
def built(root, tmp_path_factory) -> Path:
    """`pourparlers.build.build` of the copy: a build, without manifest."""
    out = tmp_path_factory.mktemp("built") / "0.1.0"
    build_module.build(Repo(root), "0.1.0", out)
    return out
