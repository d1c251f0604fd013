"""The convert tests' exports and the stored texts they are annotations of, shared by the
tests of `convert` and of its quick path."""

from __future__ import annotations

import json

import pyarrow as pa
from helpers import FIXTURES, taxonomy
from hypothesis import strategies as st

TAXONOMY = taxonomy()
EXPORTS = FIXTURES / "exports"
THIRDPARTY = FIXTURES / "thirdparty"
TAXONOMY = taxonomy()

# The stored article texts (what raw/ would hold): excerpts of the seed articles.
SEED_002 = (
    "Le 19 mai, Donald Trump a contacté Vladimir Poutine pour tenter de relancer les discussions. "
    "Sur son réseau Truth Social, il a annoncé que la Russie et l’Ukraine allaient « démarrer "
    "immédiatement des négociations en vue d’un cessez-le-feu, et de manière plus importante, en "
    "vue d’une fin à la guerre ». Une déclaration que Moscou a nuancée, parlant de « discussions "
    "utiles » sans promettre de résultats.\n\nPour Kiev, les exigences russes restent "
    "inacceptables. Le président ukrainien Volodymyr Zelensky, soutenu par les dirigeants "
    "européens, a réaffirmé que tout cessez-le-feu devait être inconditionnel, et que les troupes "
    "russes devaient se retirer du territoire ukrainien."
)
SEED_000 = (
    "Les premiers pourparlers russo-ukrainiens depuis trois ans ont duré moins de deux heures.\n\n"
    "Les délégations ont évoqué la possibilité d’instaurer un cessez-le-feu, la possibilité d’une "
    "rencontre entre les présidents russe et ukrainien et un échange de 1000 prisonniers.\n\n"
    "Selon le négociateur en chef russe Vladimir Medinsky, l’échange aura lieu « dans les "
    "prochains jours (…) à hauteur de 1 000 contre 1 000. »\n\nAvant le début de la rencontre, "
    "lors de la réunion des ministres des Affaires étrangères de l'OTAN à Antalya, le secrétaire "
    "d'État américain Marco Rubio a déclaré que Washington n'attendait pas grand-chose de l'issue "
    "de la réunion de vendredi."
)
# Offset probe: a non-BMP flag (2 code points, 4 UTF-16 units) and \r\n before the spans.
PROBE = "🇺🇦 " + SEED_000[:SEED_000.index("\n\nAvant")].replace("\n", "\r\n")

GOOD, PAIR, PROBE_ID = "pp-3b4ff5c4fc4d", "pp-ccee42100b25", "pp-3c585bdaafd2"
TEXTS = {GOOD: SEED_002, PAIR: SEED_000, PROBE_ID: PROBE}

# Region ids of the good export.
TRUMP, PUTIN, ZELENSKY, DATE = "Zp0mLr2cUe", "c8VnQ1sYdK", "Nd7rK2yUbV", "hT3kq9XbWa"
CALL, STANCE = "Ev3cA9lMxq", "St8pZ4wGnE"


def articles(texts: dict[str, str] = TEXTS) -> pa.Table:
    return pa.table({"article_id": list(texts), "text": list(texts.values())})


def fixture(article_id: str) -> list[dict]:
    return json.loads((EXPORTS / f"{article_id}.json").read_text(encoding="utf-8"))


def result_of(tasks: list[dict], annotation: int = 0) -> list[dict]:
    return tasks[0]["annotations"][annotation]["result"]


def find(tasks: list[dict], rid: str, from_name: str | None = None) -> dict:
    """The result item with this region id (the span itself unless `from_name` is given)."""
    for item in result_of(tasks):
        if item.get("id") == rid and (from_name is None and item["type"] == "labels"
                                      or item.get("from_name") == from_name):
            return item
    raise KeyError(rid)


def relation(tasks: list[dict], from_id: str, to_id: str) -> dict:
    return next(item for item in result_of(tasks) if item["type"] == "relation"
                and item["from_id"] == from_id and item["to_id"] == to_id)



JUNK = [None, "x", "", 1.5, True, -1, 2**40, [], ["A", "B"], {}, {"start": 1}]


def damage(items: list[dict], data: st.DataObject, fewest: int, most: int, values: list) -> None:
    """Make `fewest` to `most` changes: a key of a random item (or of its value) removed, or set
    to one of `values`."""
    for _ in range(data.draw(st.integers(fewest, most))):
        target = items[data.draw(st.integers(0, len(items) - 1))]
        if type(target.get("value")) is dict and data.draw(st.booleans()):
            target = target["value"]
        if not target:
            continue
        key = data.draw(st.sampled_from(sorted(target)))
        if data.draw(st.booleans()):
            del target[key]
        else:
            target[key] = data.draw(st.sampled_from(values))
