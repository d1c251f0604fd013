"""The project lives off the machine it was made on: no code, test or script reads a path of a
development machine or the shared folder beside the checkout."""

from __future__ import annotations

import re

from helpers import REPO

FOLDERS = ("src", "tests", "scripts", "benchmarks", ".ci", ".github")
# An absolute path of a machine: /work/..., /root/..., /home/<user>/..., /tmp/<something of ours>,
# C:\Users\...; and the shared folder of the development checkout.
MACHINE_PATH = re.compile(r"""(?<![\w.])(/work/|/root/|/home/\w|/Users/\w|[A-Z]:\\\\Users|\.\./shared|/shared/seeds)""")


def test_no_machine_path_and_no_shared_folder_in_code_tests_or_scripts():
    found = []
    for folder in FOLDERS:
        for path in sorted((REPO / folder).rglob("*")):
            if (not path.is_file() or path.suffix in (".parquet", ".png") or "__pycache__" in path.parts
                    or path.name == "test_portability.py"):    # (this file spells the patterns)
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            found += [f"{path.relative_to(REPO)}:{text.count(chr(10), 0, m.start()) + 1}: {m.group()}"
                      for m in MACHINE_PATH.finditer(text)]
    assert found == []
