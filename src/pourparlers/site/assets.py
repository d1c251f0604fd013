"""What every page of the site loads, all shipped in the site (no server, no CDN): Pico CSS from
npm, the site's own stylesheet and script (highlights, selection, toggles), and the colours of
the labels, generated from the taxonomy with matplotlib's colour maps.

The npm packages are declared in `npm/package.json` (versions locked in `npm/package-lock.json`);
scripts/setup installs them with `npm ci` into the Python environment, under
`<sys.prefix>/share/pourparlers/`, and `site` copies the files it needs from there, with their
licence and a record of the package versions (`assets/vendored.json`).
"""

from __future__ import annotations

import json
import shutil
import sys
from importlib import resources
from pathlib import Path

from pourparlers.taxonomy import Taxonomy

NPM_PREFIX = Path(sys.prefix) / "share" / "pourparlers"
"""Where scripts/setup installs the npm packages of `npm/package.json` (npm ci --prefix)."""

VENDORED = {   # file in the site's assets/ -> (npm package, file in the package)
    "pico.min.css": ("@picocss/pico", "css/pico.min.css"),
    "pico.LICENSE.md": ("@picocss/pico", "LICENSE.md"),
}
OWN = ("site.css", "site.js")   # the site's own, in static/
MIN_CONTRAST = 4.5   # WCAG AA for text: every highlight keeps black text readable


def copy_assets(folder: Path, taxonomy: Taxonomy, error: type[Exception]) -> dict[str, str]:
    """Write assets/ into the site `folder`; returns package -> version of what was vendored.
    `error` when a package is not installed (with the command that installs it)."""
    target = folder / "assets"
    target.mkdir(parents=True, exist_ok=True)
    versions: dict[str, str] = {}
    for name, (package, inside) in VENDORED.items():
        source = NPM_PREFIX / "node_modules" / package / inside
        if not source.is_file():
            raise error(f"the npm package {package} is not installed in this environment ({source} is missing): "
                        "the site ships its stylesheet",
                        "run scripts/setup (it runs npm ci into the environment; Node.js and npm are needed), or: "
                        f"npm ci --prefix {NPM_PREFIX} with the package.json and package-lock.json of "
                        "pourparlers/site/npm copied there")
        shutil.copyfile(source, target / name)
        manifest = json.loads((NPM_PREFIX / "node_modules" / package / "package.json").read_text(encoding="utf-8"))
        versions[package] = manifest["version"]
    static = resources.files("pourparlers.site") / "static"
    for name in OWN:
        (target / name).write_bytes((static / name).read_bytes())
    (target / "labels.css").write_text(label_css(taxonomy), encoding="utf-8")
    (target / "vendored.json").write_text(json.dumps(
        {"npm": versions, "files": {name: f"{package}/{inside}" for name, (package, inside) in VENDORED.items()}},
        indent=2) + "\n", encoding="utf-8")
    return versions


# -- colours ---------------------------------------------------------------------------------

def _hex(rgb) -> str:
    return "#" + "".join(f"{round(channel * 255):02x}" for channel in rgb[:3])


def _luminance(rgb) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_with_black(rgb) -> float:
    """WCAG contrast ratio of black text on the colour `rgb` (channels 0..1)."""
    return (_luminance(rgb) + 0.05) / 0.05


def entity_colours(taxonomy: Taxonomy) -> dict[str, str]:
    """Entity type -> background, from matplotlib's Set3 (12 light colours), in taxonomy order."""
    from matplotlib import colormaps

    palette = colormaps["Set3"].colors
    return {name: _hex(palette[i % len(palette)]) for i, name in enumerate(taxonomy.entity_types)}


SIGN_MAPS = {"+": "Greens", "−": "Reds", "-": "Reds", "±": "Purples"}   # any other sign: Greys


def polarity_colours(taxonomy: Taxonomy) -> dict[str, tuple[str, str]]:
    """Polarity -> (light fill, strong line), from matplotlib's sequential maps chosen by the
    polarity's sign (support green, opposition red, conditional purple, the rest grey)."""
    from matplotlib import colormaps

    out = {}
    for polarity, sign in taxonomy.polarity_signs.items():
        cmap = colormaps[SIGN_MAPS.get(sign, "Greys")]
        out[polarity] = (_hex(cmap(0.25)), _hex(cmap(0.75)))
    return out


def css_string(value: str) -> str:
    """`value` as a quoted CSS string: every character but letters, digits, `_` and `-` escaped
    (a label may hold quotes or braces)."""
    return '"' + "".join(c if c.isascii() and (c.isalnum() or c in "_-") else f"\\{ord(c):x} " for c in value) + '"'


def label_css(taxonomy: Taxonomy) -> str:
    """The CSS rules that colour each entity type and polarity (the labels are written beside)."""
    rules = ["/* generated from schema/taxonomy.yaml by pourparlers site */"]
    for name, colour in entity_colours(taxonomy).items():
        rules.append(f".ann.entity[data-type={css_string(name)}], .swatch[data-type={css_string(name)}] "
                     f"{{ --fill: {colour}; }}")
    for name, (fill, line) in polarity_colours(taxonomy).items():
        rules.append(f".ann.stance[data-polarity={css_string(name)}], .swatch[data-polarity={css_string(name)}] "
                     f"{{ --fill: {fill}; --line: {line}; }}")
    return "\n".join(rules) + "\n"
