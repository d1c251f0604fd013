"""The `pourparlers` command: parses options, calls the library, turns errors into exit codes.

Each verb is named after the library function it calls. Exit codes: 0 success, 1 data or
input error (the message says what, where and how to fix it), 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from pourparlers.errors import InvalidData, PourparlersError
from pourparlers.paths import DIST_DIR_NAME, REPO_ROOT

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


FILES_LISTED = 50   # `convert` lists each file up to this many, then the files with problems and totals


def _table(title: str, columns: list[str], rows: list[list[object]]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, justify="right" if column not in (columns[0],) else "left")
    for row in rows:
        table.add_row(*(str(value) for value in row))
    return table


def cmd_ingest(args: argparse.Namespace) -> int:
    from pourparlers.ingest import ingest

    written = ingest(
        [Path(f) for f in args.files], args.root, source=args.source, url=args.url,
        date=args.date, title=args.title, notes=args.notes, language=args.language,
    )
    out.print(_table(
        "Ingested", ["article_id", "chars", "published", "precision", "title"],
        [[m["article_id"], m["n_chars"], m["published"] or "-", m["date_precision"],
          (m["title"] or "")[:60]] for m in written],
    ))
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    from pourparlers.corpus import load_corpus

    corpus = load_corpus(args.root)
    summary = corpus.summary
    shown = summary if len(summary) <= FILES_LISTED else [r for r in summary if r["problems"]][:FILES_LISTED]
    rows = [[row["file"], row["annotations"], row["regions"], row["choices"], row["relations"],
             row["rows"], row["problems"]] for row in shown]
    if len(shown) < len(summary):   # a corpus-scale run: the files with problems, then the totals
        total = {key: sum(row[key] for row in summary) for key in (
            "gold", "alternate", "cancelled", "regions", "choices", "relations", "rows", "problems")}
        rows.append([f"all {len(summary)} files", f"{total['gold']}/{total['alternate']}/{total['cancelled']}",
                     total["regions"], total["choices"], total["relations"], total["rows"], total["problems"]])
    out.print(_table("Converted exports", ["file", "annotations", "regions", "choices", "relations", "rows",
                                           "problems"], rows))
    out.print("annotations: gold/alternate/cancelled; every region, choice and relation became a row "
              "or a problem")
    if corpus.problems:
        hint = "run `pourparlers validate` for details"
        raise InvalidData(corpus.problems, f"no table was written; {hint}" if args.out else hint)
    if args.out:
        from pourparlers.convert import write_tables

        write_tables(corpus.tables, Path(args.out))
        out.print(f"Tables written to {args.out}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from pourparlers.corpus import load_corpus
    from pourparlers.validate import render_github, render_json, render_text, with_lines

    corpus = load_corpus(args.root)
    report = with_lines(corpus.report, args.root)
    if args.format == "json":
        print(render_json(report))
    elif args.format == "github":
        print(render_github(report))
        print(render_text(report))
    else:
        print(render_text(report))
    return 0 if not report.problems else 1


def cmd_build(args: argparse.Namespace) -> int:
    from pourparlers.build import build_release
    from pourparlers.corpus import current_version, gold, load_corpus

    corpus = load_corpus(args.root)
    if corpus.problems:
        from pourparlers.validate import render_text

        err.print(render_text(corpus.report))
        raise InvalidData(corpus.problems, "a release cannot be built from data that fails validation")
    version = args.version or current_version(args.root)
    target = Path(args.out) if args.out else Path(args.root) / DIST_DIR_NAME / version
    from pourparlers.card import AGREEMENT_FILE
    from pourparlers.release import ensure_not_a_release

    ensure_not_a_release(target)
    result = build_release(
        gold(corpus.tables), corpus.taxonomy, version, target,
        Path(args.root) / "DATASET_CARD.md", text=not args.no_text,
        agreement=Path(args.root) / AGREEMENT_FILE, validated=True,
    )
    splits = sorted({split for per_split in result.counts.values() for split in per_split},
                    key=["train", "validation", "test"].index)
    out.print(_table(
        f"Release {version} in {target}", ["config", *splits, "total"],
        [[config, *(result.counts[config].get(split, 0) for split in splits),
          sum(result.counts[config].values())] for config in result.counts],
    ))
    left_out = [config for config in result.counts if config not in result.configs]
    if left_out:
        out.print(f"Left out (no rows yet): {', '.join(left_out)}")
    if result.ner_unrepresented:
        out.print(f"ner: {result.ner_unrepresented} nested or overlapping mention(s) not representable in IOB2")
    out.print("\nLoad it with:")
    out.print(f'  datasets.load_dataset("{target}", "documents")')
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from pourparlers.release import cut_release

    result = cut_release(args.root, bump=args.bump, version=args.version, text=not args.no_text,
                         repo_id=args.repo_id)
    since = f" (a {result.bump} release after {result.previous})" if result.previous else " (first release)"
    out.print(f"Release {result.version}{since} in {result.path}")
    out.print(f"{len(result.manifest['files'])} files, SHA-256 in {result.path / 'manifest.json'}; "
              "CHANGELOG.md updated:\n")
    out.print(result.changelog, markup=False)
    target = "" if "<" in result.manifest["repo_id"] else f" (to {result.manifest['repo_id']})"
    option = " --repo-id ORG/NAME" if not target else ""
    out.print(f"Publish it{target} with: pourparlers publish{option} --dry-run (then without --dry-run)")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from pourparlers.publish import plan_publish, publish

    plan = plan_publish(args.root, args.repo_id, version=args.version, private=args.private)
    out.print(plan.render(), markup=False)
    if args.dry_run:
        out.print("Dry run: nothing was uploaded or tagged.")
        return 0
    result = publish(plan)
    out.print(f"Published {result.tag}: {result.commit_url}")
    return 0


def cmd_rehydrate(args: argparse.Namespace) -> int:
    from pourparlers.release import rehydrate

    release = Path(args.release)
    texts = Path(args.texts) if args.texts else Path(args.root) / "raw"
    target = Path(args.out) if args.out else release.with_name(release.name + "-rehydrated")
    result = rehydrate(release, target, texts)
    out.print(f"Rehydrated {result.articles} article text(s), every SHA-256 verified: "
              f"{len(result.files)} Parquet file(s) in {result.path}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from pourparlers.labelstudio import write_schema_artifacts
    from pourparlers.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(Path(args.root) / "schema" / "taxonomy.yaml")
    changed = write_schema_artifacts(args.root, taxonomy, check=args.check)
    if args.check:
        if changed:
            raise PourparlersError(
                "stale generated artifact(s): " + ", ".join(changed), "run `pourparlers schema`"
            )
        out.print("schema artifacts are up to date")
    else:
        out.print("regenerated: " + (", ".join(changed) if changed else "nothing (up to date)"))
    return 0


def cmd_server(args: argparse.Namespace) -> int:
    from pourparlers import labelstudio_server as server

    home = server.home_dir(args.root)
    if args.action == "start":
        err.print("Starting Label Studio on 127.0.0.1 (the first start migrates its database: ~1.5 min)…")
        running = server.start(home, port=args.port)
        out.print(f"Label Studio {server.LABEL_STUDIO_VERSION} is running at {running.url} (pid {running.pid})")
        out.print(f"Log in as {running.credentials.email}; the password is in {home / 'credentials.json'}")
        out.print("Next: pourparlers annotate")
    elif args.action == "stop":
        out.print("stopped" if server.stop(home) else "not running")
    else:
        running = server.running(home)
        out.print(f"running at {running.url} (pid {running.pid})" if running else "not running")
        return 0 if running else 3
    return 0


def cmd_annotate(args: argparse.Namespace) -> int:
    from pourparlers.annotate import annotate

    result = annotate(args.root, url=args.url, use_model=not args.no_model, title=args.project)
    out.print(f"Project {result.project_id}: label config {result.config}; "
              f"{result.already} article(s) were already there")
    if result.imported:
        out.print(_table("Imported with pre-annotations", ["article_id", "chars", "gazetteer", "spacy"],
                         [[row["article_id"], row["chars"], row["gazetteer"], row["spacy"]]
                          for row in result.imported]))
    out.print(f"Open {result.project_url}")
    return 0


def cmd_pull(args: argparse.Namespace) -> int:
    from pourparlers.pull import pull

    payload = Path(args.export).read_bytes() if args.export else None
    result = pull(args.root, url=args.url, force=args.force, payload=payload, title=args.project)
    out.print(_table("Pulled into annotations/", ["article_id", "file", "annotations", "result items"],
                     [[row["article_id"], row["state"], row["annotations"], row["result_items"]]
                      for row in result.written]))
    if result.unannotated:
        out.print(f"Not annotated yet (no file written): {', '.join(result.unannotated)}")
    out.print("Next: pourparlers validate")
    return 0


def cmd_agreement(args: argparse.Namespace) -> int:
    from pourparlers.agreement import agreement, print_report, to_json
    from pourparlers.atomic import write_text
    from pourparlers.corpus import load_corpus

    corpus = load_corpus(args.root)
    if corpus.problems:
        err.print(f"Warning: {len(corpus.problems)} validation problem(s); rows that could not be "
                  "converted are missing from the comparison (run `pourparlers validate`)")
    report = agreement(corpus.tables, args.a, args.b, args.article or None)
    if not report.articles:
        raise PourparlersError(
            f"no article has both annotation A ({args.a}) and B ({args.b}); "
            f"{len(report.skipped)} article(s) skipped",
            "have a second annotator annotate the same task in Label Studio and pull the export, "
            "or choose the annotations with --a/--b",
        )
    if args.out:
        write_text(Path(args.out), to_json(report))
    if args.format == "json":
        print(to_json(report), end="")
    else:
        print_report(report, out, show_disagreements=args.disagreements)
        if args.out:
            out.print(f"JSON written to {args.out}")
    return 0


def parser() -> argparse.ArgumentParser:
    root_default = Path(os.environ.get("POURPARLERS_ROOT", REPO_ROOT))
    main = argparse.ArgumentParser(prog="pourparlers", description=__doc__.splitlines()[0])
    main.add_argument("--root", type=Path, default=root_default,
                      help="repository root holding raw/, annotations/, schema/ (default: %(default)s)")
    verbs = main.add_subparsers(dest="verb", required=True)

    ingest = verbs.add_parser("ingest", help="copy articles into raw/ with their metadata")
    ingest.add_argument("files", nargs="+")
    ingest.add_argument("--source", help="publisher, when known")
    ingest.add_argument("--url")
    ingest.add_argument("--date", help="publication date: YYYY, YYYY-MM or YYYY-MM-DD")
    ingest.add_argument("--title", help="default: the first line of the text")
    ingest.add_argument("--notes", help="provenance notes (e.g. machine translation)")
    ingest.add_argument("--language", default="fr")
    ingest.set_defaults(run=cmd_ingest)

    convert = verbs.add_parser("convert", help="Label Studio exports in annotations/ to tables")
    convert.add_argument("--out", help="also write the tables as Parquet files into this folder")
    convert.set_defaults(run=cmd_convert)

    validate = verbs.add_parser("validate", help="check raw/ and annotations/ against schema/")
    validate.add_argument("--format", choices=["text", "json", "github"], default="text")
    validate.set_defaults(run=cmd_validate)

    build = verbs.add_parser("build", help="validate, then build dist/<version>/ (Hub layout)")
    build.add_argument("--version", help="default: the newest version in CHANGELOG.md")
    build.add_argument("--out", help="default: dist/<version>")
    build.add_argument("--no-text", action="store_true",
                       help="text-free build: annotations, offsets and text hashes only (see `rehydrate`)")
    build.set_defaults(run=cmd_build)

    release = verbs.add_parser("release", help="validate, build dist/<version>/ with a manifest, "
                                                 "record the diff in CHANGELOG.md")
    bump = release.add_mutually_exclusive_group(required=True)
    for level, when in (("major", "schema change"), ("minor", "new articles or annotation layer"),
                        ("patch", "corrections")):
        bump.add_argument(f"--{level}", dest="bump", action="store_const", const=level,
                          help=f"bump the previous release's {level} number ({when})")
    bump.add_argument("version", nargs="?", help="an explicit MAJOR.MINOR.PATCH instead of a bump")
    release.add_argument("--no-text", action="store_true", help="a text-free release")
    release.add_argument("--repo-id", default="<owner>/pourparlers", help="Hub repo the card names")
    release.set_defaults(run=cmd_release)

    publish = verbs.add_parser("publish", help="upload a release as one commit, tag it v<version>")
    publish.add_argument("--repo-id", help="ORG/NAME of the dataset repo (default: the release's --repo-id)")
    publish.add_argument("--version", help="default: the newest release in CHANGELOG.md")
    publish.add_argument("--private", action="store_true", help="create the repo private")
    publish.add_argument("--dry-run", action="store_true", help="print the plan; no network, no token")
    publish.set_defaults(run=cmd_publish)

    rehydrate = verbs.add_parser("rehydrate", help="restore the texts of a text-free release, verifying hashes")
    rehydrate.add_argument("release", help="the text-free release folder")
    rehydrate.add_argument("--texts", help="folder of <article_id>.txt files (default: raw/)")
    rehydrate.add_argument("--out", help="default: <release>-rehydrated")
    rehydrate.set_defaults(run=cmd_rehydrate)

    schema = verbs.add_parser("schema", help="regenerate the artifacts derived from schema/taxonomy.yaml")
    schema.add_argument("--check", action="store_true", help="fail if an artifact is stale; write nothing")
    schema.set_defaults(run=cmd_schema)

    server = verbs.add_parser("server", help="install, start or stop the local Label Studio (127.0.0.1)")
    server.add_argument("action", choices=["start", "stop", "status"])
    server.add_argument("--port", type=int, default=8089)
    server.set_defaults(run=cmd_server)

    url_help = "Label Studio URL (default: $LABEL_STUDIO_URL, else the local server); token: $LABEL_STUDIO_API_KEY"
    annotate = verbs.add_parser("annotate", help="create/update the Label Studio project, import new articles "
                                                 "with pre-annotations")
    annotate.add_argument("--url", help=url_help)
    annotate.add_argument("--project", default="pourparlers", help="project title (default: %(default)s)")
    annotate.add_argument("--no-model", action="store_true", help="pre-annotate with the gazetteer only (no spaCy)")
    annotate.set_defaults(run=cmd_annotate)

    pull = verbs.add_parser("pull", help="export the Label Studio project into annotations/, checked")
    pull.add_argument("--url", help=url_help)
    pull.add_argument("--project", default="pourparlers", help="project title (default: %(default)s)")
    pull.add_argument("--force", action="store_true", help="accept files with fewer annotations or regions")
    pull.add_argument("--export", help="use this saved JSON export instead of downloading one")
    pull.set_defaults(run=cmd_pull)

    agree = verbs.add_parser("agreement", help="inter-annotator agreement of two annotations per article")
    agree.add_argument("--a", default="gold", help="annotation A: gold (default), alternate, "
                       "annotator:<id> or annotation:<id>")
    agree.add_argument("--b", default="alternate", help="annotation B (default: alternate)")
    agree.add_argument("--article", action="append", help="only this article (repeatable)")
    agree.add_argument("--format", choices=["text", "json"], default="text")
    agree.add_argument("--out", help="also write the JSON report to this file (atomically)")
    agree.add_argument("--disagreements", action="store_true",
                       help="list what A has that B lacks and vice versa, per article")
    agree.set_defaults(run=cmd_agreement)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except InvalidData as error:
        err.print(f"Error: {error}")
        for item in error.problems[:50]:
            err.print(f"  {item.render()}")
        if len(error.problems) > 50:
            err.print(f"  … and {len(error.problems) - 50} more")
        if error.hint:
            err.print(f"Hint: {error.hint}")
        return 1
    except PourparlersError as error:
        err.print(f"Error: {error}")
        if error.hint:
            err.print(f"Hint: {error.hint}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
