"""Results you can search, on real SQLite files and PostgreSQL databases: show, delete with
tombstones, full-text search, the export cursor (worker/store/records, tombstones, search,
sequence; the CLI in worker/cli/browse.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.stages import run_batch
from worker.cli import main
from worker.core.models import Kind, Outcome, RawItem, Status
from worker.pipeline.prepare import Deps
from worker.store import Store
from worker.store.reports import Filters
from worker.store.schema import articles, dedup_keys, near_keys

pytestmark = pytest.mark.integration

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
URL = "https://news.example.org/2024/06/harbour?utm_source=rss"
HARBOUR = (
    "PORTSMOUTH - The city's harbour reopened on Thursday after three weeks of repairs to the "
    "sea wall damaged in the March storm, the port authority said. The repairs cost about 2.4 "
    "million pounds and were paid by the regional council, which had asked the state for help."
)
HARBOUR_UPDATE = (
    "PORTSMOUTH - Ferries sailed again from the harbour on Friday, a day after it reopened, "
    "and the fishing fleet returned to its berths. The port authority said the new sea wall "
    "would be inspected every month until the winter, and that traffic was back to normal."
)
STRIKE = (
    "LONDON - Rail workers voted on Wednesday to hold a two-day strike in May over pay, their "
    "union said, the third walkout this year. About 40,000 members took part in the ballot and "
    "86 percent backed the action; the operators said they would publish a reduced timetable."
)
DOCKS = (
    "HULL - Dock workers said on Monday they would join next month's strike, which would "
    "close the harbour for two days. Their union asked the owners for talks before the "
    "walkout; shipping lines have started to move cargo to other ports along the coast."
)
MUSEE = (
    "LYON - Le musée des beaux-arts a rouvert ses portes samedi après deux ans de travaux, a "
    "annoncé la mairie. Les relations entre la ville et les mécènes ont permis de financer la "
    "rénovation des salles consacrées à la peinture flamande et aux sculptures romaines."
)


def item(key: str, body: str, title: str = "Harbour news", **record: Any) -> RawItem:
    source = record.pop("src", "wire")
    payload = {"record": {"title": title, "body": body, **record}}
    return RawItem(item_key=key, source=source, kind=Kind.RECORD, payload=payload,
                   received_at=NOW)  # fmt: skip


def ingest(store: Store, *batch: RawItem, at: datetime = NOW) -> list[Outcome]:
    store.register(list(batch), at)
    return store.commit(run_batch(list(batch), Deps(), at), at)


def count(store: Store, table: Any) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def orphan_keys(store: Store) -> int:
    """Rows of the dedup index whose article is gone."""
    with store.engine.connect() as conn:
        return sum(
            int(
                conn.execute(
                    select(func.count())
                    .select_from(table)
                    .where(table.c.article_id.not_in(select(articles.c.id)))
                ).scalar_one()
            )
            for table in (near_keys, dedup_keys)
        )


def cli(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([*args, "--store", url])
    out, err = capsys.readouterr()
    return code, out, err


def harbour_story(store: Store) -> None:
    """v1 and its revision v2 at one URL, an exact copy of v2, and an unrelated article."""
    outcomes = [
        *ingest(store, item("h-0000001", HARBOUR, url=URL)),
        *ingest(store, item("h-0000002", HARBOUR_UPDATE, title="Ferries sail again", url=URL)),
        *ingest(store, item("h-0000003", HARBOUR_UPDATE, title="Ferries sail again")),
        *ingest(store, item("s-0000001", STRIKE, title="Rail strike called")),
    ]
    assert [(o.status, o.revision_of, o.duplicate_of) for o in outcomes] == [
        (Status.STORED, None, None), (Status.STORED, "h-0000001", None),
        (Status.DUPLICATE, None, "h-0000002"), (Status.STORED, None, None),
    ]  # fmt: skip


def test_show_gives_the_record_its_revisions_and_duplicates(
    store: Store, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    harbour_story(store)
    shown = store.show("h-0000001")
    assert shown is not None
    assert shown["article"]["id"] == "h-0000001"
    assert shown["article"]["body"] == HARBOUR
    assert [r["id"] for r in shown["revisions"]] == ["h-0000001", "h-0000002"]
    assert [(d["item_key"], d["method"]) for d in shown["duplicates"]] == [("h-0000003", "exact")]
    by_copy = store.show("h-0000003")  # a duplicate's item key shows its original
    assert by_copy is not None and by_copy["article"]["id"] == "h-0000002"
    by_url = store.show("https://news.example.org/2024/06/harbour#top")  # canonicalised
    assert by_url is not None and by_url["article"]["id"] == "h-0000002"  # the newest
    assert store.show("nothing-0000001") is None
    code, out, _ = cli(capsys, store_url, "show", "s-0000001")
    assert code == 0
    assert json.loads(out)["article"]["title"] == "Rail strike called"
    assert cli(capsys, store_url, "show", "nothing-0000001")[0] == 1


def test_delete_removes_every_revision_and_a_tombstone_keeps_it_out_until_undone(
    store: Store, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    harbour_story(store)
    assert count(store, near_keys) > 0 and orphan_keys(store) == 0
    keys_before = count(store, dedup_keys)
    code, _, err = cli(capsys, store_url, "delete", "h-0000002")  # the newer revision
    assert code == 0 and "deleted: 2 article(s)" in err
    assert {r["id"] for r in store.export()} == {"s-0000001"}
    assert count(store, dedup_keys) == keys_before - 3  # two fingerprints and the URL
    assert orphan_keys(store) == 0  # PostgreSQL has no foreign key to say so (0006)
    assert store.search("harbour") == []  # gone from the full-text index too
    # Same content under a new key, and new content at the same URL: both kept out.
    again = ingest(store, item("r-0000001", HARBOUR), item("r-0000002", STRIKE + " Updated.",
                                                          url=URL + "&x=1"))  # fmt: skip
    assert [(o.status, o.reason) for o in again] == [(Status.REJECTED, "deleted")] * 2
    assert "ingest delete --undo h-0000002" in (again[0].message or "")
    # The workers' preview skips enriching it, as it does for copies.
    preview = run_batch([item("r-0000009", HARBOUR)], Deps(), NOW)
    assert store.known_duplicates(preview, NOW) == {"r-0000009"}
    code, out, _ = cli(capsys, store_url, "show", "h-0000001")
    assert code == 1 and json.loads(out)["deleted"][0]["request"] == "h-0000002"
    assert cli(capsys, store_url, "delete", "--undo", "h-0000001")[0] == 0  # a deleted id
    (back,) = ingest(store, item("r-0000003", HARBOUR, url=URL))
    assert back.status == Status.STORED
    assert [r["id"] for r in store.search("harbour")] == ["r-0000003"]


def test_delete_by_url_and_usage(
    store: Store, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    harbour_story(store)
    code, _, err = cli(
        capsys, store_url, "delete", "--url", "https://news.example.org/2024/06/harbour"
    )
    assert code == 0 and "h-0000001" in err and "h-0000002" in err
    assert count(store, articles) == 1
    (kept_out,) = ingest(store, item("u-0000001", HARBOUR_UPDATE + " More.", url=URL))
    assert (kept_out.status, kept_out.reason) == (Status.REJECTED, "deleted")
    assert cli(capsys, store_url, "delete", "--undo", "--url", URL)[0] == 0
    (stored,) = ingest(store, item("u-0000002", HARBOUR_UPDATE + " More.", url=URL))
    assert stored.status == Status.STORED
    assert cli(capsys, store_url, "delete", "nothing-0000001")[0] == 1
    assert cli(capsys, store_url, "delete")[0] == 2  # neither an ID nor --url


def test_search_is_ranked_stemmed_and_filtered(
    store: Store, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest(
        store,
        item("q-0000001", HARBOUR, title="Harbour reopens after storm repairs"),
        item("q-0000002", STRIKE, title="Rail strike called", src="rail"),
        item("q-0000003", DOCKS, title="Dock workers join the strike", src="rail"),
        item("q-0000004", MUSEE, title="Le musée rouvre", language="fr"),
    )
    # Title words weigh more: the article about the harbour first.
    assert [r["id"] for r in store.search("harbour")] == ["q-0000001", "q-0000003"]
    assert [r["id"] for r in store.search("reopening")] == ["q-0000001"]  # stemmed
    assert [r["id"] for r in store.search("relation", Filters(language="fr"))] == ["q-0000004"]
    assert store.search("relation", Filters(language="en")) == []
    assert [r["id"] for r in store.search("harbour", Filters(source="rail"))] == ["q-0000003"]
    assert [r["id"] for r in store.search("harbour -union")] == ["q-0000001"]
    assert {r["id"] for r in store.search("cargo OR ballot")} == {"q-0000002", "q-0000003"}
    assert [r["id"] for r in store.search('"two-day strike"')] == ["q-0000002"]
    assert store.search('"strike two-day"') == []  # a phrase keeps its order
    assert len(store.search("strike", Filters(limit=1))) == 1
    assert store.search('()*:"') == []  # punctuation only: nothing, not an error
    hit = store.search("sea wall")[0]
    assert hit["rank"] > 0 and "[" in hit["snippet"]
    code, out, err = cli(capsys, store_url, "search", "strike", "--limit", "5", "--source", "rail")
    assert code == 0 and "2 match(es)" in err
    assert {json.loads(line)["id"] for line in out.splitlines()} == {"q-0000002", "q-0000003"}


def test_export_cursor_misses_nothing_and_never_reuses_a_number(
    store: Store, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest(store, item("c-0000001", HARBOUR), item("c-0000002", STRIKE))
    code, out, err = cli(capsys, store_url, "export", "--after", "0")
    first = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["id"] for r in first] == ["c-0000001", "c-0000002"]
    cursor = first[-1]["seq"]
    assert f"cursor: {cursor}" in err and first[0]["seq"] < cursor
    store.delete("c-0000002", NOW)  # the highest number goes
    later = NOW + timedelta(minutes=1)
    ingest(store, item("c-0000003", MUSEE, title="Le musée rouvre"), at=later)
    (new,) = list(store.export(where=Filters(after=cursor)))
    assert new["id"] == "c-0000003" and new["seq"] > cursor  # not the deleted one's number
    code, out, err = cli(capsys, store_url, "export", "--after", str(new["seq"]))
    assert (code, out) == (0, "") and f"cursor: {new['seq']}" in err  # nothing new: same
    assert cli(capsys, store_url, "export", "--after", "0", "--status", "duplicate")[0] == 2
