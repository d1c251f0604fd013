"""Versioned releases: versions and the changelog (`versions`), the manifest of checksums
(`manifest`), the diff between releases (`diff`), cutting a release (`cut`), and restoring the
texts of a text-free one (`rehydrate`).
"""

from pourparlers.release.cut import ReleaseResult, cut_release
from pourparlers.release.manifest import MANIFEST, read_manifest, verify_manifest
from pourparlers.release.rehydrate import RehydrateResult, rehydrate
from pourparlers.release.versions import ReleaseError, build_target, previous_release

__all__ = ["MANIFEST", "RehydrateResult", "ReleaseError", "ReleaseResult", "build_target",
           "cut_release", "previous_release", "read_manifest", "rehydrate", "verify_manifest"]
