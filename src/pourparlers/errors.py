"""Named exceptions, the `Problem` record every check reports, and the catalogue of codes.

The library raises; only the CLI turns an exception into a message and an exit code. Every
problem code and every error code is declared once in `CATALOGUE` (what it means, the schema
field it concerns, how to fix it); `problem()` refuses a code that is not there, so a misspelled
code fails loudly instead of reaching users. `docs/problems.md` is generated from it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

MAX_EXPORT_MIB = 256
"""The largest export file convert reads (one article's export is kilobytes to a few MB)."""
MAX_ARTICLE_KIB = 1024
"""The largest raw article ingest takes and raw/ is read with (a long news article is 50 KiB;
past this a file is a mistake, and the release's memory grows with it)."""


@dataclass(frozen=True)
class Code:
    """One kind of problem: its stable code, what it means, the field it concerns, a fix."""

    code: str
    stage: str       # where it is found: raw, export, tables, pull, release, command
    meaning: str     # what it means, for docs/problems.md (lower case, no final full stop)
    field: str = ""
    hint: str = ""


HINT_CONVERT = ("the tables come from `pourparlers convert` (articles from raw/): re-run it, and "
                 "report a bug if this persists")
HINT_RELABEL = ("relabel the region in Label Studio and export again, or add the value to "
                 "schema/taxonomy.yaml and run `pourparlers schema`")
HINT_METADATA = "fix the article's metadata in raw/<article_id>.json"
HINT_RAW = "raw/ is never edited: restore it with git, or ingest the new text as a new article"
HINT_ID = ("ingest names both files raw/<article_id>.{txt,json} after the id it gives: restore "
            "them with git, or ingest the text again")
HINT_OFFSETS = ("Label Studio stores code-point offsets; a shift usually means UTF-16 offsets "
                "(emoji or other non-BMP characters before the span) or an article text changed "
                "after export: fix the region in Label Studio, re-export into annotations/, then "
                "`pourparlers convert`")
HINT_INVISIBLE = ("the texts differ only in characters that print alike (a no-break or other "
                  "space, a zero-width or combining character, another normalization form), so "
                  "the offsets likely point at the right words: give the span the article's own "
                  "characters, e.g. relabel the region in Label Studio rather than typing its text")
HINT_DRIFT_INVISIBLE = ("the two texts differ only in characters that print alike (spaces, zero-width "
                        "or combining characters, normalization form): a tool normalized one of them. "
                        "Restore the export's data.text from raw/ (never normalize either); offsets "
                        "count the stored text's code points")

_CODES = [
    # -- raw/: the articles and their metadata --------------------------------------------------
    Code("metadata-invalid", "raw", "an article's metadata file is not a readable JSON object with "
         "article_id and text_sha256", "raw/<article_id>.json", "restore the file from git"),
    Code("article-id-invalid", "raw", "an article id is not `pp-` followed by 12 hexadecimal digits",
         "articles.article_id", HINT_ID),
    Code("file-name-mismatch", "raw", "a file is not named after the article it holds",
         "source_file", "name each file after its article id (`pourparlers ingest` and "
         "`pourparlers pull` do)"),
    Code("text-empty", "raw", "an article has no visible text once decoded and normalized (only a "
         "BOM, spaces, control characters)", "articles.text", "ingest the article's real text"),
    Code("article-too-large", "raw", f"a raw article is larger than {MAX_ARTICLE_KIB} KiB",
         "articles.raw_file", f"an article is a news text (at most {MAX_ARTICLE_KIB} KiB): split a "
         "collection into its articles and ingest each"),
    Code("folder-missing", "raw", "raw/ or annotations/ is missing, or is not a folder",
         "raw/, annotations/", "restore the folder from git (annotations/ may be empty, with a "
         ".gitkeep file)"),
    Code("raw-missing", "raw", "an article's raw text cannot be read as UTF-8 text",
         "articles.raw_file", "restore the raw file with git"),
    Code("raw-without-metadata", "raw", "a raw text has no metadata file beside it",
         "articles.raw_file", "add articles with `pourparlers ingest`, which writes both files; "
         "restore the metadata with git or remove the stray text"),
    Code("hash-drift", "raw", "a raw article changed after it was ingested (its text no longer "
         "has the recorded SHA-256)", "articles.text_sha256", HINT_RAW),
    Code("not-a-regular-file", "raw", "a file in raw/ or annotations/ is a link, a folder or another "
         "special file (links are never followed)", "source_file",
         "raw/ and annotations/ hold regular files only: replace the link or folder by the file itself"),
    # -- annotations/: Label Studio exports ------------------------------------------------------
    Code("file-unreadable", "export", "an export file cannot be read", "source_file",
         "check that the file exists and is readable"),
    Code("file-too-large", "export", f"an export file is larger than {MAX_EXPORT_MIB} MiB",
         "source_file", f"an export holds one article (at most {MAX_EXPORT_MIB} MiB): split a "
         "whole-project export with `pourparlers pull`"),
    Code("file-empty", "export", "an export file is empty", "source_file",
         "pull the export again (`pourparlers pull`) or delete the empty file"),
    Code("json-invalid", "export", "an export file is not valid JSON", "source_file",
         "the file is truncated or was edited by hand: pull the export again (`pourparlers pull`)"),
    Code("duplicate-key", "export", "an object of an export holds the same key twice (a JSON parser "
         "would keep one value silently)", "source_file", "the file was edited by hand or written by "
         "another tool: pull the export again (`pourparlers pull`)"),
    Code("export-shape", "export", "an export is not a JSON list of Label Studio tasks",
         "export: a JSON list of tasks", "an export file holds a JSON list of Label Studio tasks "
         "(the full JSON export, not JSON_MIN or CSV)"),
    Code("missing-key", "export", "a task, annotation or result item lacks a key it needs, or has "
         "it with the wrong JSON type",
         "task: id, data.text, data.article_id, annotations[]; annotation: id, result[]",
         "use Label Studio's full JSON export and do not edit exports by hand"),
    Code("personal-data", "export", "an export names a person (an e-mail address, a user name): "
         "annotations/ is committed, it keeps user ids only", "the JSON path named",
         "pull the export again (`pourparlers pull` keeps user ids only), or remove the field"),
    Code("unknown-article", "export", "an export or a row names an article that is not in raw/",
         "article_id", "run `pourparlers ingest` to add the article to raw/, or remove the export"),
    Code("text-drift", "export", "a task's data.text differs from the stored article text", "text",
         "the raw article changed after annotation, or the export is for another text: restore raw/ "
         "or re-import the article (`pourparlers ingest`) and annotate it again"),
    Code("duplicate-article", "export", "two tasks hold the same article", "article_id",
         "keep one task per article: merge the annotations in Label Studio and pull again"),
    Code("multiple-ground-truth", "export", "more than one annotation of a task is marked ground truth",
         "layer (annotations[].ground_truth)", "mark exactly one annotation of the task as ground "
         "truth in Label Studio"),
    Code("only-cancelled", "export", "every annotation of a task was cancelled",
         "annotations[].was_cancelled", "annotate the task again, or remove the task from the export"),
    Code("unknown-result-type", "export", "a result item has a type the label config never produces",
         "result[].type", "use the label config generated by `pourparlers schema`"),
    Code("unknown-control", "export", "a result item comes from a control (from_name) or points to an "
         "object (to_name) the label config does not define",
         "result[].from_name, result[].to_name (schema/taxonomy.yaml: controls)",
         "use the label config generated by `pourparlers schema` for the Label Studio project"),
    Code("label-count", "export", "a region has no label or several", "result[].value.labels",
         "give the region exactly one label in Label Studio"),
    Code("offset-type", "export", "a region's start or end is not an integer code-point offset",
         "result[].value.start, result[].value.end",
         "offsets are integer code-point positions: delete the region and select it again in "
         "Label Studio"),
    Code("text-type", "export", "a region's value.text is not a string: the span could not be "
         "compared with the stored text", "result[].value.text",
         "delete the region and select it again in Label Studio"),
    Code("duplicate-region", "export", "two regions of one annotation share an id",
         "region_id (result[].id)", "region ids must be unique within an annotation: delete the "
         "duplicate region"),
    Code("orphan-choice", "export", "a per-region value belongs to no region", "region_id (result[].id)",
         "select the region and set the value again, or delete the stray value"),
    Code("choice-span-mismatch", "export", "a per-region value's offsets differ from its region's",
         "result[].value.start, result[].value.end", "the region changed after its value was set: "
         "select the region and set the value again"),
    Code("choice-count", "export", "a per-region choice or text holds no value or several",
         "result[].value.choices", "pick exactly one value for the region"),
    Code("choice-not-allowed", "export", "a per-region value is set on a region of another kind",
         "schema/taxonomy.yaml: controls", "set the value on a region of the kind its control "
         "belongs to"),
    Code("duplicate-choice", "export", "a per-region control is set twice on one region",
         "result[].from_name", "keep one value per control on a region"),
    Code("dangling-relation", "export", "a relation's end is not a region of its annotation",
         "result[].from_id, result[].to_id", "delete the relation and draw it again between "
         "existing regions"),
    Code("relation-label-count", "export", "a relation has no label or several", "event_arguments.role",
         "pick exactly one label for the relation"),
    Code("relation-direction", "export", "a relation's direction is neither right nor left",
         "result[].direction", "draw the relation from the trigger or stance region to the entity "
         "(one direction, not both)"),
    Code("relation-not-allowed", "export", "a relation joins kinds of region it may not join",
         "schema/taxonomy.yaml: controls.holder_relation, event_types[*].roles",
         "relations go from an event trigger to an entity (its role) or from a stance region to an "
         "entity (its holder)"),
    Code("multiple-holders", "export", "a stance has more than one holder relation", "stances.holder_id",
         "a stance has at most one holder: delete the extra relation"),
    # -- the tables: contracts and integrity -----------------------------------------------------
    Code("missing-table", "tables", "a normalized table was not given", "", HINT_CONVERT),
    Code("missing-column", "tables", "a table lacks a column of its layout", "", HINT_CONVERT),
    Code("unexpected-column", "tables", "a table has a column its layout does not define", "",
         HINT_CONVERT),
    Code("wrong-dtype", "tables", "a column has another type than its layout's", "", HINT_CONVERT),
    Code("contract-error", "tables", "a contract check could not run on a table", "", HINT_CONVERT),
    Code("missing-value", "tables", "a required value is missing (a realis, a stance's target, "
         "polarity or attribution, a relation's role)", "", HINT_CONVERT),
    Code("unknown-label", "tables", "a label, role, target or attribute value is not defined in "
         "schema/taxonomy.yaml", "schema/taxonomy.yaml", HINT_RELABEL),
    Code("invalid-value", "tables", "a value is not well-formed (hash, language, layer, precision)",
         "", HINT_METADATA),
    Code("date-mismatch", "tables", "`published` is not a calendar date of its `date_precision`",
         "articles.published", HINT_METADATA),
    Code("duplicate-id", "tables", "an id names more than one row", "",
         "a region or an article was read twice: look for a duplicated export or metadata file"),
    Code("offset-range", "tables", "a span starts before the text or ends after it", "", HINT_OFFSETS),
    Code("offset-order", "tables", "a span is empty or reversed (end <= start)", "", HINT_OFFSETS),
    Code("span-text-mismatch", "tables", "a span's text differs from `text[start:end]`", "",
         HINT_OFFSETS),
    Code("hash-mismatch", "tables", "an article's text does not have its recorded SHA-256",
         "articles.text_sha256", HINT_RAW),
    Code("n-chars-mismatch", "tables", "an article's `n_chars` is not the length of its text",
         "articles.n_chars", HINT_CONVERT),
    Code("dangling-reference", "tables", "an argument or holder names no mention or event of its "
         "own annotation", "", "the relation points at a region that is missing or of another kind: "
         "fix the relation in Label Studio and export again"),
    Code("role-not-allowed", "tables", "an argument's role is not a role of its event type",
         "schema/taxonomy.yaml: event_types[*].roles",
         "relabel the relation with one of the expected roles in Label Studio"),
    Code("filler-type-not-allowed", "tables", "an argument's filler has an entity type its role does "
         "not allow", "schema/taxonomy.yaml: event_types[*].roles",
         "link the role to a mention of an allowed type, or fix the mention's type"),
    Code("holder-type-not-allowed", "tables", "a stance holder has an entity type holders may not have",
         "schema/taxonomy.yaml: stance.holder_types",
         "link the holder relation to a mention of an allowed type"),
    Code("stance-holder", "tables", "a stance has a holder and the holder-less attribution, or neither",
         "schema/taxonomy.yaml: stance.holderless_attribution",
         "add or remove the holder relation in Label Studio, or change the attribution"),
    Code("duplicate-span", "tables", "the same span is annotated twice in one annotation", "",
         "delete the extra region in Label Studio and export again"),
    Code("duplicate-relation", "tables", "the same argument relation is drawn twice in one annotation",
         "event_arguments.event_id, role, mention_id", "delete the duplicate relation"),
    Code("unknown-canonical-id", "tables", "an entity mention's canonical id is not declared in "
         "schema/actors.yaml", "schema/actors.yaml", "declare the actor in schema/actors.yaml (name and "
         "type), or correct the canonical id in Label Studio and pull again"),
    Code("canonical-id-missing", "tables", "a named gold mention that fills an event argument or holds a "
         "stance has no canonical id", "entities.canonical_id",
         "give the mention its actor's canonical id in Label Studio (declare a new actor in "
         "schema/actors.yaml first)"),
    Code("gold-conflict", "tables", "an article has more than one gold annotation", "layer",
         "mark a single annotation of the task as ground truth in Label Studio"),
    # -- pull: the Label Studio project --------------------------------------------------------
    Code("task-article-id", "pull", "a Label Studio task has no valid data.article_id",
         "data.article_id", "import articles with `pourparlers annotate`, not by hand"),
    # -- releases ------------------------------------------------------------------------------
    Code("release-mismatch", "release", "a release folder does not hold exactly the files its manifest "
         "lists (one missing, changed or added, hidden ones included, or a link)", "manifest.json",
         "a release folder is never edited: restore it (download it again) or cut a new release"),
    Code("release-unreadable", "release", "a file of a release cannot be read: a Parquet file that is not "
         "Parquet or whose pages are damaged, a card whose YAML header cannot be parsed",
         "README.md, <config>/*.parquet",
         "a release folder is never edited: download or build it again"),
    Code("label-table-mismatch", "release", "a release's labels.parquet does not name the labels of its "
         "ClassLabels as schema/taxonomy.yaml does (missing, other columns, other names, ids or definitions)",
         "labels.parquet", "a release folder is never edited: download or build it again"),
    Code("croissant-mismatch", "release", "a release's croissant.json is not what the build writes for its "
         "files (configs, fields, splits, the SHA-256 of a file, version, Hub repo)", "croissant.json",
         "a release folder is never edited: download or build it again"),
    Code("actor-mismatch", "release", "a release's actors config is not the table of schema/actors.yaml "
         "(an actor missing, undeclared, or with another name, type, external ids or count of gold mentions)",
         "actors", "a release folder is never edited: download or build it again"),
    Code("canonical-id-mismatch", "release", "a stance's holder_canonical_id or an event argument's "
         "canonical_id is not the canonical id of the mention it names", "stances.holder_canonical_id",
         "a release folder is never edited: download or build it again"),
    Code("configs-disagree", "release", "a gold row of documents or of the annotations config is missing "
         "from, or differs from, the entities, events or stances config (or the reverse)", "",
         "a release folder is never edited: download or build it again"),
    Code("text-missing", "release", "a text needed to rehydrate a release cannot be read",
         "articles.text", "put the article's text in <texts>/<article_id>.txt (UTF-8)"),
    Code("text-hash-mismatch", "release", "a text given to rehydrate is not the one that was annotated",
         "articles.text_sha256", "fetch the exact version of the article; any edit shifts the offsets"),
    # -- command errors (raised, not collected) ------------------------------------------------
    Code("not-a-repository", "command", "no pourparlers repository at --root or above the working "
         "folder", "schema/taxonomy.yaml", "cd into one or pass --root"),
    Code("taxonomy-invalid", "command", "schema/taxonomy.yaml is missing, not YAML, or not a valid "
         "taxonomy", "schema/taxonomy.yaml", "fix the file, then run `pourparlers schema`"),
    Code("actors-invalid", "command", "schema/actors.yaml is missing, not YAML, or not a valid table "
         "of actors", "schema/actors.yaml", "fix the file (see the comments at its top)"),
    Code("invalid-data", "command", "the data failed validation; every problem is listed", "",
         "run `pourparlers validate` for details"),
    Code("ingest-refused", "command", "an article could not be ingested (unreadable, duplicate, bad "
         "metadata)", "raw/", "fix the file or the options and ingest again"),
    Code("schema-stale", "command", "a file generated from schema/taxonomy.yaml is out of date",
         "schema/label_config.xml, GUIDELINES.md", "run `pourparlers schema`"),
    Code("folder-not-ours", "command", "a command was asked to write over a folder or file it did not "
         "make (only a new or empty folder, or its own earlier output, is replaced)", "--out",
         "choose another --out (a new folder), or move that folder away yourself"),
    Code("report-invalid", "command", "reports/agreement.json, which the card shows, is not an "
         "agreement report (unreadable, not JSON, or missing figures)", "reports/agreement.json",
         "write it again with `pourparlers agreement --out reports/agreement.json`, or remove it"),
    Code("repo-id-invalid", "command", "a Hugging Face repo id is not ORG/NAME (letters, digits, "
         "'-', '_', '.'; at most 96 characters; no '--' or '..')", "--repo-id, manifest.json repo_id",
         "e.g. --repo-id my-org/pourparlers"),
    Code("site-url-invalid", "command", "the configured address of the published corpus browser is "
         "not a plain https URL", "[tool.pourparlers] site_url",
         "e.g. site_url = \"https://my-org.github.io/pourparlers/\" in pyproject.toml"),
    Code("build-refused", "command", "a release could not be built", "dist/", ""),
    Code("release-refused", "command", "a release could not be cut (version, previous release, "
         "changelog)", "CHANGELOG.md, dist/", ""),
    Code("verify-refused", "command", "a release could not be verified: RELEASE is a file, or neither an "
         "existing folder nor a Hub dataset repo that can be downloaded at --revision", "RELEASE, --revision",
         "pass a release folder (dist/<version>) or a Hub dataset repo id ORG/NAME with an existing "
         "--revision (a tag such as v0.1.0)"),
    Code("publish-refused", "command", "a release could not be published, or was refused", "dist/", ""),
    Code("server-error", "command", "the local Label Studio could not be installed, started or reached",
         ".labelstudio/", "look at .labelstudio/server.log"),
    Code("labels-orphaned", "command", "the label config would no longer define values annotations use",
         "schema/taxonomy.yaml", "keep these values in schema/taxonomy.yaml, or relabel the regions in "
         "Label Studio first (a removed value is a MAJOR schema change)"),
    Code("pull-refused", "command", "pull would lose annotations or regions, or found the export "
         "inconsistent", "annotations/", ""),
    Code("labelstudio-error", "command", "the Label Studio server, its token, the SDK or the project "
         "is missing, or the server refused", "", "start the local server (`scripts/labelstudio start`) "
         "or pass --url and set LABEL_STUDIO_API_KEY"),
    Code("model-missing", "command", "the spaCy model of the pre-annotations is not installed", "",
         "install the extra: pip install -e '.[labelstudio]' (scripts/setup does), or pass --no-model"),
    Code("export-refused", "command", "an export could not be written (no release, a text-free one, a "
         "release of another taxonomy, a missing library)", "", ""),
    Code("site-refused", "command", "the corpus browser could not be built (no release, a text-free "
         "one, a release of another taxonomy, its stylesheet's npm package not installed)", "",
         "the message names the missing piece and the command that provides it"),
    Code("agreement-refused", "command", "no article has both annotations to compare", "", ""),
    Code("selector-invalid", "command", "an annotation selector of `agreement` (--a, --b) is not one "
         "it knows", "", "use gold, alternate, annotator:<id> or annotation:<id>"),
    Code("guidelines-invalid", "command", "the guidelines cannot be read or rendered: a generated block "
         "of GUIDELINES.md names no label table, or an example marker is misplaced, names no article of "
         "raw/ or opens an example whose lines are not indented under it",
         "GUIDELINES.md", ""),
    Code("guidelines-article-unknown", "command", "the article to hold out of the guidelines is not in "
         "raw/", "raw/<article_id>.txt", "hold out the id of an article of raw/ (pp- and 12 hex digits)"),
    Code("guidelines-leak", "command", "a held-out rendering of the guidelines would still quote the "
         "held-out article (20 characters in a row) in text that is no example",
         "GUIDELINES.md", "reword the general text, or make the quotation an example that names its "
         "article (`- [pp-0123456789ab] …`)"),
    Code("output-unwritable", "command", "the output file cannot be written: a folder, a place without "
         "write permission, or an existing file the command did not make", "--out",
         "name a new file (or the command's own previous output) in a writable folder"),
    Code("file-error", "command", "a file or folder the command was given or needs cannot be read "
         "or written (missing, a file where a folder is expected, no permission, disk full)", "",
         "check the path named and its permissions; nothing half-written was left (writes are atomic)"),
    Code("command-failed", "command", "any other failure of a command", "", ""),
]

CATALOGUE: dict[str, Code] = {entry.code: entry for entry in _CODES}
STAGES = {"raw": "raw/ (ingest, read)", "export": "annotations/ (convert)",
          "tables": "the normalized tables (validate)", "pull": "the Label Studio project (pull)",
          "release": "releases (release, rehydrate)", "command": "command errors"}


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the data: what, where, what was expected, how to fix it.

    `code` is stable (tests and users rely on it); `file` is relative to the repository root.
    """

    file: str
    article_id: str
    annotation_id: str
    region_id: str
    code: str
    message: str
    expected: str = ""
    field: str = ""
    hint: str = ""
    line: int = 0  # 1-based line in `file` when known (GitHub annotations point there)

    def location(self) -> str:
        parts = [self.file or "-"]
        if self.article_id:
            parts.append(f"article {self.article_id}")
        if self.annotation_id:
            parts.append(f"annotation {self.annotation_id}")
        if self.region_id:
            parts.append(f"region {self.region_id}")
        return ", ".join(parts)

    def render(self) -> str:
        text = f"{self.location()}: [{self.code}] {self.message}"
        if self.expected:
            text += f" (expected {self.expected})"
        if self.field:
            text += f" [schema: {self.field}]"
        if self.hint:
            text += f" — {self.hint}"
        return text

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def problem(code: str, message: str, *, file: str = "", article_id: str = "",
            annotation_id: object = "", region_id: object = "", expected: str = "",
            field: str | None = None, hint: str | None = None, line: int = 0) -> Problem:
    """A `Problem` of a catalogued code; the field and hint default to the catalogue's."""
    entry = CATALOGUE[code]   # a KeyError here is a bug: every code is declared in CATALOGUE
    return Problem(
        file=str(file), article_id=str(article_id or ""),
        annotation_id="" if annotation_id is None else str(annotation_id),
        region_id="" if region_id is None else str(region_id),
        code=code, message=message, expected=expected,
        field=entry.field if field is None else field,
        hint=entry.hint if hint is None else hint, line=line,
    )


class PourparlersError(Exception):
    """Base of every error the CLI reports as `Error [code]: …` with exit code 1."""

    code = "command-failed"

    def __init__(self, message: str, hint: str = "", *, code: str | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code
        CATALOGUE[self.code]   # noqa: B018 - every error code is declared
        self.hint = hint or CATALOGUE[self.code].hint


class IngestError(PourparlersError):
    """An article could not be ingested (unreadable, duplicate, bad metadata)."""

    code = "ingest-refused"


class InvalidData(PourparlersError):
    """The data failed validation; `problems` lists every failure found."""

    code = "invalid-data"

    def __init__(self, problems: list[Problem], hint: str = "run `pourparlers validate` for details",
                 report=None, *, message: str | None = None, code: str | None = None):
        super().__init__(message or f"{len(problems)} problem(s) found in the data", hint, code=code)
        self.problems = problems
        self.report = report   # the validation report, when the whole checklist is known


class FileError(PourparlersError):
    """A file or folder a command was given or needs cannot be read or written."""

    code = "file-error"

    @classmethod
    def of(cls, error: OSError) -> FileError:
        path = " -> ".join(str(name) for name in (error.filename, error.filename2) if name)
        return cls(f"{error.strerror or error}{f': {path}' if path else ''}")


class BuildError(PourparlersError):
    """A release could not be built."""

    code = "build-refused"
