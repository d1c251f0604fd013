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
    out.print(_table(
        "Converted exports",
        ["file", "annotations", "regions", "choices", "relations", "rows", "problems"],
        [[row["file"], row["annotations"], row["regions"], row["choices"], row["relations"],
          row["rows"], row["problems"]] for row in corpus.summary],
    ))
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
    result = build_release(
        gold(corpus.tables), corpus.taxonomy, version, target,
        Path(args.root) / "DATASET_CARD.md",
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
    build.set_defaults(run=cmd_build)

    schema = verbs.add_parser("schema", help="regenerate the artifacts derived from schema/taxonomy.yaml")
    schema.add_argument("--check", action="store_true", help="fail if an artifact is stale; write nothing")
    schema.set_defaults(run=cmd_schema)
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
