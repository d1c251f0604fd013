"""The `pourparlers` command: parses options, calls the library, turns errors into exit codes.

Each verb is named after the library function it calls. Exit codes: 0 success, 1 data or
input error (the message says what, where and how to fix it), 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pourparlers.display import printable
from pourparlers.errors import FileError, InvalidData, PourparlersError
from pourparlers.repo import Repo

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table


@cache
def console(stderr: bool = False) -> Console:
    """rich's console, made when a command first prints through it (`validate` never does:
    rich costs tens of milliseconds of start-up)."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True, markup=False, emoji=False)


def say(text: object, *, stderr: bool = False) -> None:
    """Print a message: rich markup is never read in it (a region id `[/x]` is text) and
    control characters from the data are shown as escapes, never sent to the terminal."""
    console(stderr).print(printable(text))


DEBUG_ENV = "POURPARLERS_DEBUG"
FILES_LISTED = 50   # `convert` lists each file up to this many, then the files with problems and totals


def _table(title: str, columns: list[str], rows: list[list[object]]) -> Table:
    from rich.table import Table

    table = Table(title=printable(title, newlines=False), title_justify="left")
    for column in columns:
        table.add_column(column, justify="right" if column not in (columns[0],) else "left")
    for row in rows:
        table.add_row(*(printable(value, newlines=False) for value in row))
    return table


def cmd_ingest(args: argparse.Namespace) -> int:
    from pourparlers.ingest import ingest

    written = ingest(
        [Path(f) for f in args.files], _repo(args), source=args.source, url=args.url,
        date=args.date, title=args.title, notes=args.notes, language=args.language,
    )
    console().print(_table(
        "Ingested", ["article_id", "chars", "published", "precision", "title"],
        [[m["article_id"], m["n_chars"], m["published"] or "-", m["date_precision"],
          (m["title"] or "")[:60]] for m in written],
    ))
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    from pourparlers.corpus import load_corpus

    corpus = load_corpus(_repo(args))
    summary = corpus.summary
    shown = summary if len(summary) <= FILES_LISTED else [r for r in summary if r["problems"]][:FILES_LISTED]
    rows = [[row["file"], row["annotations"], row["regions"], row["choices"], row["relations"],
             row["rows"], row["problems"]] for row in shown]
    if len(shown) < len(summary):   # a corpus-scale run: the files with problems, then the totals
        total = {key: sum(row[key] for row in summary) for key in (
            "gold", "alternate", "cancelled", "regions", "choices", "relations", "rows", "problems")}
        rows.append([f"all {len(summary)} files", f"{total['gold']}/{total['alternate']}/{total['cancelled']}",
                     total["regions"], total["choices"], total["relations"], total["rows"], total["problems"]])
    console().print(_table("Converted exports", ["file", "annotations", "regions", "choices", "relations", "rows",
                                           "problems"], rows))
    say("annotations: gold/alternate/cancelled; every region, choice and relation became a row "
              "or a problem")
    if corpus.problems:
        hint = "run `pourparlers validate` for details"
        raise InvalidData(corpus.problems, f"no table was written; {hint}" if args.out else hint)
    if args.out:
        from pourparlers.convert import write_tables

        write_tables(corpus.tables, Path(args.out))
        say(f"Tables written to {args.out}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from pourparlers.corpus import load_corpus
    from pourparlers.validate import with_lines

    repo = _repo(args)
    report = with_lines(load_corpus(repo).report, repo)
    _print_report(report, args.format)
    return 0 if not report.problems else 1


def _print_report(report, form: str) -> None:
    """A validation report as JSON, GitHub annotations (then the text), or text."""
    from pourparlers.validate import render_github, render_json, render_text

    if form == "json":
        print(render_json(report))
        return
    if form == "github":
        print(render_github(report))
    print(render_text(report))


def cmd_build(args: argparse.Namespace) -> int:
    from pourparlers.build import SPLITS, build
    from pourparlers.card import DEFAULT_REPO_ID
    from pourparlers.release.manifest import ensure_not_a_release
    from pourparlers.release.versions import build_target

    repo = _repo(args)
    version, target = build_target(repo, args.version, Path(args.out) if args.out else None)
    ensure_not_a_release(target)
    result = build(repo, version, target, text=not args.no_text, repo_id=args.repo_id)
    splits = [split for split in SPLITS if any(split in per_split for per_split in result.counts.values())]
    console().print(_table(
        f"Release {version} in {target}", ["config", *splits, "total"],
        [[config, *(result.counts[config].get(split, 0) for split in splits),
          sum(result.counts[config].values())] for config in result.counts],
    ))
    left_out = [config for config in result.counts if config not in result.configs]
    if left_out:
        say(f"Left out (no rows yet): {', '.join(left_out)}")
    if result.ner_unrepresented:
        say(f"ner: {result.ner_unrepresented} nested or overlapping mention(s) not representable in IOB2")
    say(f"ner_sentences: {result.sentences.describe()}")
    if result.repo_id == DEFAULT_REPO_ID:
        from pourparlers.repo import REPO_ID_SETTING

        say(f"The card names the Hub repo {DEFAULT_REPO_ID}: set {REPO_ID_SETTING} (or pass --repo-id)")
    say("\nLoad it with:")
    say(f'  datasets.load_dataset("{target}", "documents")')
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from pourparlers.release import cut_release

    result = cut_release(_repo(args), bump=args.bump, version=args.version, text=not args.no_text,
                         repo_id=args.repo_id)
    since = f" (a {result.bump} release after {result.previous})" if result.previous else " (first release)"
    say(f"Release {result.version}{since} in {result.path}")
    say(f"{len(result.manifest['files'])} files, SHA-256 in {result.path / 'manifest.json'}; "
              "CHANGELOG.md updated:\n")
    say(result.changelog)
    target = "" if "<" in result.manifest["repo_id"] else f" (to {result.manifest['repo_id']})"
    option = " --repo-id ORG/NAME" if not target else ""
    say(f"Next: commit CHANGELOG.md and tag that commit (git tag v{result.version}: a later release "
        f"rebuilds this one from the tag when dist/{result.version} is not there); publish it{target} "
        f"with pourparlers publish{option} --dry-run, then without --dry-run")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from pourparlers.publish import plan_publish, publish

    plan = plan_publish(_repo(args), args.repo_id, version=args.version, private=args.private)
    say(plan.render())
    if args.dry_run:
        say("Dry run: nothing was uploaded or tagged.")
        return 0
    result = publish(plan)
    say(f"Published {result.tag}: {result.commit_url}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from pourparlers.release.verify import verify

    report = verify(_repo(args), args.release, revision=args.revision)
    _print_report(report, args.format)
    return 0 if report.ok else 1


def cmd_rehydrate(args: argparse.Namespace) -> int:
    from pourparlers.release import rehydrate

    release = Path(args.release)
    texts = Path(args.texts) if args.texts else _repo(args).raw
    target = Path(args.out) if args.out else release.with_name(release.name + "-rehydrated")
    result = rehydrate(release, target, texts)
    say(f"Rehydrated {result.articles} article text(s), every SHA-256 verified: "
              f"{len(result.files)} Parquet file(s) in {result.path}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from pourparlers.generated import StaleArtifacts, write_artifacts

    repo = _repo(args)
    changed = write_artifacts(repo, repo.taxonomy(), check=args.check)
    if args.check:
        if changed:
            raise StaleArtifacts("stale generated artifact(s): " + ", ".join(changed))
        say("schema artifacts are up to date")
    else:
        say("regenerated: " + (", ".join(changed) if changed else "nothing (up to date)"))
    return 0


def cmd_server(args: argparse.Namespace) -> int:
    from pourparlers.labelstudio import server

    home = _repo(args).labelstudio_home
    if args.action == "start":
        say("Starting Label Studio on 127.0.0.1 (the first start migrates its "
                                   "database: ~1.5 min)…", stderr=True)
        running = server.start(home, port=args.port)
        say(f"Label Studio {server.LABEL_STUDIO_VERSION} is running at {running.url} (pid {running.pid})")
        say(f"Log in as {running.credentials.email}; the password is in {home / 'credentials.json'}")
        say("Next: pourparlers annotate")
    elif args.action == "stop":
        state = server.stop(home)
        say({"stale": "not running: .labelstudio/server.json named a process that is not the "
                                  "server any more (left alone; the record is removed)"}.get(state, state))
    else:
        running, stale = server.status(home)
        if stale:
            say("stale .labelstudio/server.json removed: its process is gone or is another program")
        say(f"running at {running.url} (pid {running.pid})" if running else "not running")
        return 0 if running else 3
    return 0


def cmd_annotate(args: argparse.Namespace) -> int:
    from pourparlers.labelstudio.annotate import annotate

    result = annotate(_repo(args), url=args.url, use_model=not args.no_model, title=args.project)
    say(f"Project {result.project_id}: label config {result.config}; "
        f"{result.already} article(s) were already there")
    if result.imported:
        console().print(_table("Imported", ["article_id", "chars", "annotations", "gazetteer", "spacy"],
                               [[row["article_id"], row["chars"], row["annotations"], row["gazetteer"],
                                 row["spacy"]] for row in result.imported]))
        say("annotations: loaded from annotations/ (review and correct them, then pull); "
            "gazetteer, spacy: pre-annotations of an article not annotated yet")
    if result.accounts:
        say(f"Annotator accounts created (one per annotator of annotations/): {', '.join(result.accounts)}")
    say(f"Open {result.project_url}")
    return 0


def cmd_pull(args: argparse.Namespace) -> int:
    from pourparlers.labelstudio.pull import pull

    payload = Path(args.export).read_bytes() if args.export else None
    result = pull(_repo(args), url=args.url, force=args.force, payload=payload, title=args.project)
    console().print(_table("Pulled into annotations/", ["article_id", "file", "annotations", "result items"],
                     [[row["article_id"], row["state"], row["annotations"], row["result_items"]]
                      for row in result.written]))
    if result.unannotated:
        say(f"Not annotated yet (no file written): {', '.join(result.unannotated)}")
    say("Next: pourparlers validate")
    return 0


def cmd_agreement(args: argparse.Namespace) -> int:
    from pourparlers.agreement import agreement, to_json, write_report
    from pourparlers.agreement.render import print_report
    from pourparlers.corpus import load_corpus

    if args.release:
        from pourparlers.agreement import tables_from_release

        tables = tables_from_release(Path(args.release))
    else:
        corpus = load_corpus(_repo(args))
        if corpus.problems:
            say(f"Warning: {len(corpus.problems)} validation problem(s); rows that could not be "
                "converted are missing from the comparison (run `pourparlers validate`)", stderr=True)
        tables = corpus.tables
    report = agreement(tables, args.a, args.b, args.article or None)
    if not report.articles:
        raise PourparlersError(
            f"no article has both annotation A ({args.a}) and B ({args.b}); "
            f"{len(report.skipped)} article(s) skipped",
            "have a second annotator annotate the same task in Label Studio and pull the export, "
            "or choose the annotations with --a/--b", code="agreement-refused",
        )
    if args.out:
        write_report(report, Path(args.out))
    if args.format == "json":
        print(to_json(report), end="")
    else:
        print_report(report, console(), show_disagreements=args.disagreements)
        if args.out:
            say(f"JSON written to {args.out}")
    return 0


def cmd_guidelines(args: argparse.Namespace) -> int:
    from pourparlers.guidelines import WINDOW, write_held_out

    rendering = write_held_out(_repo(args), args.holding_out, Path(args.out))
    held, them = ", ".join(rendering.articles), "them" if len(rendering.articles) > 1 else "it"
    others = f" (+{len(rendering.dropped)} of other articles quoting {them} too)" if rendering.dropped else ""
    cells = f", {len(rendering.withheld)} label-table cell(s) withheld" if rendering.withheld else ""
    say(f"Guidelines held out for {held} in {args.out}: {len(rendering.removed)} example(s) "
                    f"removed{others}{cells}; {rendering.chars:,} characters; leak check passed (no "
                    f"{WINDOW}-character stretch of {them} left)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from pourparlers.export import export

    result = export(args.format, Path(args.out), _repo(args), release=Path(args.release) if args.release else None)
    console().print(_table(f"Export {result.format} in {result.path}", ["written", "count"],
                           [[name, count] for name, count in result.written.items()]))
    if any(result.lost.values()):
        console().print(_table("Not carried by this format", ["lost", "count"],
                               [[name, count] for name, count in result.lost.items() if count]))
    return 0


def cmd_site(args: argparse.Namespace) -> int:
    from pourparlers.site import site

    result = site(_repo(args), Path(args.out), release=Path(args.release) if args.release else None)
    console().print(_table(f"Site of release {result.version} in {result.path}", ["written", "count"],
                           [[name, count] for name, count in result.written.items()]))
    say(f"Open it: {(result.path / 'index.html').absolute().as_uri()}")
    return 0


def _repo(args: argparse.Namespace) -> Repo:
    """The repository of `--root`, else the one around the working folder."""
    return Repo.at(args.root) if args.root is not None else Repo.find()


def parser() -> argparse.ArgumentParser:
    # --root is accepted before the verb and after it (the one after wins).
    root_help = ("the repository (default: the folder holding schema/taxonomy.yaml, found from "
                 "the working folder upwards)")
    debug_help = f"show the traceback of an unexpected failure (or set {DEBUG_ENV}=1)"
    root = argparse.ArgumentParser(add_help=False)
    root.add_argument("--root", type=Path, default=argparse.SUPPRESS, help=root_help)
    root.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=debug_help)
    main = argparse.ArgumentParser(prog="pourparlers", description=__doc__.splitlines()[0])
    main.add_argument("--root", type=Path, default=None, help=root_help)
    main.add_argument("--debug", action="store_true", default=False, help=debug_help)
    verbs = main.add_subparsers(dest="verb", required=True)

    ingest = verbs.add_parser("ingest", parents=[root], help="copy articles into raw/ with their metadata")
    ingest.add_argument("files", nargs="+")
    ingest.add_argument("--source", help="publisher, when known")
    ingest.add_argument("--url")
    ingest.add_argument("--date", help="publication date: YYYY, YYYY-MM or YYYY-MM-DD")
    ingest.add_argument("--title", help="default: the first line of the text")
    ingest.add_argument("--notes", help="provenance notes (e.g. machine translation)")
    ingest.add_argument("--language", default="fr")
    ingest.set_defaults(run=cmd_ingest)

    convert = verbs.add_parser("convert", parents=[root], help="Label Studio exports in annotations/ to tables")
    convert.add_argument("--out", help="also write the tables as Parquet files into this folder")
    convert.set_defaults(run=cmd_convert)

    validate = verbs.add_parser("validate", parents=[root], help="check raw/ and annotations/ against schema/")
    validate.add_argument("--format", choices=["text", "json", "github"], default="text")
    validate.set_defaults(run=cmd_validate)

    build = verbs.add_parser("build", parents=[root], help="validate, then build dist/<version>/ (Hub layout)")
    build.add_argument("--version", help="default: the version in preparation (CHANGELOG.md's "
                                         "'unreleased' heading)")
    build.add_argument("--out", help="default: dist/<version>")
    build.add_argument("--no-text", action="store_true",
                       help="text-free build: annotations, offsets and text hashes only (see `rehydrate`)")
    build.add_argument("--repo-id", help="Hub repo the card names (default: [tool.pourparlers] repo_id "
                                         "of pyproject.toml)")
    build.set_defaults(run=cmd_build)

    release = verbs.add_parser("release", parents=[root], help="validate, build dist/<version>/ with a manifest, "
                                                 "record the diff in CHANGELOG.md")
    bump = release.add_mutually_exclusive_group(required=True)
    for level, when in (("major", "schema change"), ("minor", "new articles or annotation layer"),
                        ("patch", "corrections")):
        bump.add_argument(f"--{level}", dest="bump", action="store_const", const=level,
                          help=f"bump the previous release's {level} number ({when})")
    bump.add_argument("version", nargs="?", help="an explicit MAJOR.MINOR.PATCH instead of a bump")
    release.add_argument("--no-text", action="store_true", help="a text-free release")
    release.add_argument("--repo-id", help="Hub repo the card names (ORG/NAME; default: [tool.pourparlers] "
                                           "repo_id of pyproject.toml)")
    release.set_defaults(run=cmd_release)

    publish = verbs.add_parser("publish", parents=[root], help="upload a release as one commit, tag it v<version>")
    publish.add_argument("--repo-id", help="ORG/NAME of the dataset repo (default: the release's --repo-id)")
    publish.add_argument("--version", help="default: the newest release in CHANGELOG.md")
    publish.add_argument("--private", action="store_true", help="create the repo private")
    publish.add_argument("--dry-run", action="store_true", help="print the plan; no network, no token")
    publish.set_defaults(run=cmd_publish)

    verify = verbs.add_parser("verify", parents=[root],
                              help="check a release as users download it: files, features, tables")
    verify.add_argument("release", help="a release folder (dist/<version>, or a build's --out), or a Hub "
                                        "dataset repo id ORG/NAME to download")
    verify.add_argument("--revision", help="the revision of a Hub repo: a tag (v0.1.0), branch or commit "
                                           "(default: main)")
    verify.add_argument("--format", choices=["text", "json", "github"], default="text")
    verify.set_defaults(run=cmd_verify)

    rehydrate = verbs.add_parser("rehydrate", parents=[root],
                                 help="restore the texts of a text-free release, verifying hashes")
    rehydrate.add_argument("release", help="the text-free release folder")
    rehydrate.add_argument("--texts", help="folder of <article_id>.txt files (default: raw/)")
    rehydrate.add_argument("--out", help="default: <release>-rehydrated")
    rehydrate.set_defaults(run=cmd_rehydrate)

    schema = verbs.add_parser("schema", parents=[root],
                              help="regenerate the artifacts derived from schema/taxonomy.yaml")
    schema.add_argument("--check", action="store_true", help="fail if an artifact is stale; write nothing")
    schema.set_defaults(run=cmd_schema)

    server = verbs.add_parser("server", parents=[root],
                              help="install, start or stop the local Label Studio (127.0.0.1)")
    server.add_argument("action", choices=["start", "stop", "status"])
    server.add_argument("--port", type=int, default=8089)
    server.set_defaults(run=cmd_server)

    url_help = "Label Studio URL (default: $LABEL_STUDIO_URL, else the local server); token: $LABEL_STUDIO_API_KEY"
    annotate = verbs.add_parser("annotate", parents=[root],
                                help="create/update the Label Studio project, import new articles "
                                     "with pre-annotations")
    annotate.add_argument("--url", help=url_help)
    annotate.add_argument("--project", default="pourparlers", help="project title (default: %(default)s)")
    annotate.add_argument("--no-model", action="store_true", help="pre-annotate with the gazetteer only (no spaCy)")
    annotate.set_defaults(run=cmd_annotate)

    pull = verbs.add_parser("pull", parents=[root], help="export the Label Studio project into annotations/, checked")
    pull.add_argument("--url", help=url_help)
    pull.add_argument("--project", default="pourparlers", help="project title (default: %(default)s)")
    pull.add_argument("--force", action="store_true", help="accept files with fewer annotations or regions")
    pull.add_argument("--export", help="use this saved JSON export instead of downloading one")
    pull.set_defaults(run=cmd_pull)

    from pourparlers.export import FORMATS

    export = verbs.add_parser("export", parents=[root], help="write the release in an interchange format "
                              f"({', '.join(FORMATS)})")
    export.add_argument("format", choices=FORMATS)
    export.add_argument("--out", required=True, help="the folder to write (replaced only if a previous export)")
    export.add_argument("--release", help="export this built release (default: build the repository's first, "
                        "in a temporary folder)")
    export.set_defaults(run=cmd_export)

    site = verbs.add_parser("site", parents=[root], help="the static corpus browser: article, side-by-side, "
                            "actor and corpus pages that open offline from the folder")
    site.add_argument("--out", required=True, help="the folder to write (replaced only if a previous site)")
    site.add_argument("--release", help="the built release to show (default: build the repository's first, "
                      "in a temporary folder)")
    site.set_defaults(run=cmd_site)

    agree = verbs.add_parser("agreement", parents=[root],
                             help="inter-annotator agreement of two annotations per article")
    agree.add_argument("--a", default="gold", help="annotation A: gold (default), alternate, "
                       "annotator:<id>[,<id>…] or annotation:<id>")
    agree.add_argument("--b", default="alternate", help="annotation B (default: alternate)")
    agree.add_argument("--article", action="append", help="only this article (repeatable)")
    agree.add_argument("--format", choices=["text", "json"], default="text")
    agree.add_argument("--out", help="also write the JSON report to this file (atomically)")
    agree.add_argument("--release", help="compare the annotations of this built release (its `annotations` "
                       "config) instead of the repository's")
    agree.add_argument("--disagreements", action="store_true",
                       help="list what A has that B lacks and vice versa, per article")
    agree.set_defaults(run=cmd_agreement)

    guide = verbs.add_parser("guidelines", parents=[root],
                             help="GUIDELINES.md for a blind annotator: every example of an article "
                                  "removed, checked for leaks of its text")
    guide.add_argument("--holding-out", required=True, action="append", metavar="ARTICLE_ID",
                       help="the article to annotate blind (repeatable)")
    guide.add_argument("--out", required=True, help="the file to write (atomically)")
    guide.set_defaults(run=cmd_guidelines)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from pourparlers.memory import allocating_from, returning_pool

    try:
        with allocating_from(returning_pool()):
            return args.run(args)
    except PourparlersError as error:
        return _report(error)
    except BrokenPipeError:     # the reader stopped (`pourparlers validate | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as error:   # a path the command was given or needs is unusable
        return _report(FileError.of(error))
    except KeyboardInterrupt:
        say("Interrupted: nothing half-written was left (writes are atomic)", stderr=True)
        return 130
    except Exception as error:   # noqa: BLE001 - every failure ends in a message, not a traceback
        if args.debug or os.environ.get(DEBUG_ENV):
            raise
        say(f"Error [{PourparlersError.code}]: {type(error).__name__}: {error}", stderr=True)
        say(f"Hint: an unforeseen failure; run again with --debug (or {DEBUG_ENV}=1) for the "
            "traceback, and report it", stderr=True)
        return 1


def _report(error: PourparlersError) -> int:
    """`Error [code]: …`, the problems (at most 50) and the hint, on stderr; exit code 1."""
    if isinstance(error, InvalidData) and error.report is not None:
        from pourparlers.validate import render_text

        say(render_text(error.report), stderr=True)
    say(f"Error [{error.code}]: {error}", stderr=True)
    if isinstance(error, InvalidData):
        for item in error.problems[:50]:
            say(f"  {printable(item.render(), newlines=False)}", stderr=True)
        if len(error.problems) > 50:
            say(f"  … and {len(error.problems) - 50} more", stderr=True)
    if error.hint:
        say(f"Hint: {error.hint}", stderr=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
