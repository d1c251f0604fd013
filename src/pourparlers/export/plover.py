"""Event rows for PLOVER/CAMEO users (POLECAT, GDELT): `events.tsv`, one row per event, with the
fields POLECAT publishes where the corpus has them, in POLECAT's order and snake_case names.

Everything coded comes from the taxonomy: the PLOVER event type and the CAMEO code of the event
type, the PLOVER auxiliary mode of the realis (`mode`: future, hypothetical, negation; empty for
ACTUAL and GENERIC), and which argument roles are PLOVER's actor (CAMEO source), recipient (CAMEO
target) and event location (`plover_slots`). Actors are the arguments' canonical ids with the
names of the `actors` config; several are joined with `;` (PLOVER's actor and recipient are
lists). Events of a type with no PLOVER category (STATEMENT: CAMEO 010 only) keep an empty
`event_type` and are counted. Read it with every column as text (`dtype=str`: CAMEO codes keep
their leading zeros).
"""

from __future__ import annotations

import csv
from pathlib import Path

from pourparlers.export.reader import ReleaseReader
from pourparlers.taxonomy import Taxonomy

COLUMNS = ("event_id", "event_date", "event_type", "event_mode", "cameo_code", "actor_name", "actor_id",
           "actor_name_raw", "recipient_name", "recipient_id", "recipient_name_raw", "placename", "place_id",
           "raw_placename", "source", "publication_date", "language", "url", "article_id", "split",
           "pourparlers_type", "realis", "event_text", "event_start", "event_end", "version")


def _slot(event: dict, slot: str, slot_of: dict[str, str], actors: dict[str, dict]) -> dict[str, str]:
    fillers = [a for a in event["arguments"] if slot_of.get(a["role"]) == slot]
    ids = [a["canonical_id"] for a in fillers if a["canonical_id"]]
    return {"ids": ";".join(ids), "names": ";".join(actors[i]["name"] if i in actors else i for i in ids),
            "raw": ";".join(a["text"] for a in fillers), "unlinked": sum(not a["canonical_id"] for a in fillers)}


def write(reader: ReleaseReader, out: Path, taxonomy: Taxonomy) -> tuple[dict[str, int], dict[str, int]]:
    plover = {item.name: item.plover for item in taxonomy.spec.event_types}
    cameo = {item.name: item.cameo for item in taxonomy.spec.event_types}
    modes, slot_of, actors = taxonomy.plover_mode_of, taxonomy.plover_slot_of, reader.actors()
    written = {"events": 0, "with an actor": 0, "with a recipient": 0, "with a place": 0}
    lost = {"events of a type with no PLOVER category": 0, "fillers with no canonical id": 0,
            "arguments in no PLOVER slot": 0}
    with open(out / "events.tsv", "w", encoding="utf-8", newline="") as stream:
        table = csv.writer(stream, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        table.writerow(COLUMNS)
        for split in reader.splits("documents"):
            for rows in reader.rows("documents", split):
                for row in rows:
                    for event in row["events"]:
                        actor, recipient, place = (_slot(event, slot, slot_of, actors)
                                                   for slot in ("actor", "recipient", "location"))
                        table.writerow([
                            event["id"], row["published"] or "", plover[event["type"]], modes[event["realis"]] or "",
                            cameo[event["type"]], actor["names"], actor["ids"], actor["raw"], recipient["names"],
                            recipient["ids"], recipient["raw"], place["names"], place["ids"], place["raw"],
                            row["source"] or "", row["published"] or "", row["language"], row["url"] or "",
                            row["id"], split, event["type"], event["realis"], event["trigger"]["text"],
                            event["trigger"]["start"], event["trigger"]["end"], reader.version])
                        written["events"] += 1
                        written["with an actor"] += bool(actor["raw"])
                        written["with a recipient"] += bool(recipient["raw"])
                        written["with a place"] += bool(place["raw"])
                        lost["events of a type with no PLOVER category"] += not plover[event["type"]]
                        lost["fillers with no canonical id"] += actor["unlinked"] + recipient["unlinked"] + place[
                            "unlinked"]
                        lost["arguments in no PLOVER slot"] += sum(a["role"] not in slot_of for a in event["arguments"])
    return written, lost
