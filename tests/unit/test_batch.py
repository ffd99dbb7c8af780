"""``run_batch`` without enrichment (worker/pipeline/batch.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.stages import run_batch
from worker.core.errors import PermanentError
from worker.core.models import Article, Kind, RawItem, Status
from worker.pipeline.neardup import near_signature
from worker.pipeline.normalise import fingerprint
from worker.pipeline.prepare import Deps, normalise_article

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_33deb995d6668e48.txt"
SEED_TITLE = (
    "Le Kremlin exhorte à désescalper les relations entre l'Iran et l'Israël "
    "à briser les relations entre les deux pays"
)
BODY = (
    "PORTSMOUTH - The city's harbour reopened on Thursday after three weeks of repairs to "
    "the sea wall damaged in the March storm, the port authority said."
)
DEPS = Deps()


def item(key: str, kind: Kind, payload: dict[str, Any]) -> RawItem:
    return RawItem(item_key=f"run-{key}", source="test", kind=kind, payload=payload)


def rec(key: str, **fields: Any) -> RawItem:
    return item(key, Kind.RECORD, {"record": fields})


def test_default_deps_do_not_enrich() -> None:
    assert DEPS.enrich is False


def test_seed_through_the_batch() -> None:
    text = SEED.read_text(encoding="utf-8")
    [p] = run_batch([item("1", Kind.TEXT, {"text": text})], DEPS, NOW)
    assert p.rejection is None
    assert p.article is not None
    assert p.article.title == SEED_TITLE
    assert p.article.language == "fr"
    assert p.article.body.startswith("JAKARTA")
    assert p.article.fingerprint == fingerprint(p.article.body)
    assert p.article.enrichment == {}


def test_one_prepared_per_item_in_order_with_article_xor_rejection() -> None:
    items = [
        rec("1", title="Harbour", body=BODY),
        item("2", Kind.INVALID, {"reason": "invalid_json", "message": "Expecting value"}),
        rec("3", title="Empty", body="   \n  "),
        item("4", Kind.TEXT, {"text": "Title\n" + BODY + " Again."}),
        item("5", Kind.URL, {"url": "https://example.org/"}),
    ]
    prepared = run_batch(items, DEPS, NOW)
    assert [p.item for p in prepared] == items
    for p in prepared:
        assert (p.article is None) != (p.rejection is None)
    reasons = [p.rejection.reason if p.rejection else None for p in prepared]
    assert reasons == [None, "invalid_json", "empty_body", None, "unsupported_kind"]
    for p in prepared:
        if p.rejection is not None:
            assert p.rejection.status is Status.REJECTED
            assert p.rejection.item_key == p.item.item_key
            assert p.rejection.message


def test_article_is_normalised() -> None:
    [p] = run_batch(
        [
            rec(
                "1",
                title="  Harbour\n reopens ",
                body="  PORTSMOUTH -  the\u200b harbour.\r\n\r\nSecond  paragraph. ",
                url="https://News.Example.org/a?utm_source=rss#x",
                language="EN_gb",
            )
        ],
        DEPS,
        NOW,
    )
    assert p.article is not None
    assert p.article.title == "Harbour reopens"
    assert p.article.body == "PORTSMOUTH - the harbour.\nSecond paragraph."
    assert p.article.canonical_url == "https://news.example.org/a"
    assert p.article.url == "https://News.Example.org/a?utm_source=rss#x"  # original kept
    assert p.article.declared_language == "en"
    assert p.article.language == "en"
    assert p.article.language_confidence is not None


def test_repeated_title_line_is_dropped_from_body() -> None:
    [p] = run_batch([rec("1", title="Harbour reopens", body="Harbour reopens\n" + BODY)], DEPS, NOW)
    assert p.article is not None
    assert p.article.body == BODY


def test_body_line_that_merely_starts_like_the_title_is_kept() -> None:
    body = "Harbour reopens after storm, officials say.\n" + BODY
    [p] = run_batch([rec("1", title="Harbour reopens", body=body)], DEPS, NOW)
    assert p.article is not None
    assert p.article.body == body


def test_near_signature_matches_the_body() -> None:
    [p] = run_batch([rec("1", body=BODY)], DEPS, NOW)
    assert p.near == near_signature(BODY, DEPS.near_params)


def test_equal_bodies_get_equal_fingerprints() -> None:
    a, b, c = run_batch(
        [rec("1", body=BODY), rec("2", body=BODY.upper() + "  "), rec("3", body=BODY + " More.")],
        DEPS,
        NOW,
    )
    assert a.article and b.article and c.article
    assert a.article.fingerprint == b.article.fingerprint
    assert a.article.fingerprint != c.article.fingerprint


def test_body_over_the_limit_is_rejected() -> None:
    deps = Deps(max_body_chars=50)
    [p] = run_batch([rec("1", body=BODY)], deps, NOW)
    assert p.rejection is not None
    assert p.rejection.reason == "too_large"
    [ok] = run_batch([rec("1", body=BODY)], Deps(max_body_chars=len(BODY)), NOW)
    assert ok.article is not None


def test_rejection_message_is_bounded() -> None:
    [p] = run_batch([item("1", Kind.INVALID, {"reason": "x", "message": "m" * 800})], DEPS, NOW)
    assert p.rejection is not None
    assert p.rejection.message == "m" * 500


def test_normalise_article_refuses_an_empty_body() -> None:
    empty = Article(item_key="k", source="s", kind=Kind.TEXT, title="T", body="\u200b \n ")
    with pytest.raises(PermanentError) as info:
        normalise_article(empty, 10)
    assert info.value.reason == "empty_body"


def test_same_input_same_output() -> None:
    items = [rec("1", title="T", body=BODY, published_at="2024-04-18T09:30:00+01:00")]
    first = run_batch(items, DEPS, NOW)
    second = run_batch(items, DEPS, datetime(2030, 1, 1, tzinfo=UTC))
    assert first[0].article == second[0].article
    assert first[0].near == second[0].near


def test_published_at_survives_the_batch() -> None:
    [p] = run_batch([rec("1", body=BODY, published_at="2024-04-16")], DEPS, NOW)
    assert p.article is not None
    assert p.article.published_at is not None
    assert p.article.published_at.isoformat() == "2024-04-16"


def test_empty_batch() -> None:
    assert run_batch([], DEPS, NOW) == []


def test_a_wrong_html_lang_is_reported_beside_the_detected_language() -> None:
    """The page says lang="en" but is French: detection wins, the declaration is kept."""
    from datetime import UTC, datetime

    from tests.stages import run_batch
    from worker.core.models import Kind, RawItem
    from worker.pipeline.prepare import Deps

    paragraphs = "".join(
        f"<p>{s}</p>"
        for s in [
            "La Russie maintient des communications avec l'Iran et avec Israël, a déclaré le "
            "porte-parole du Kremlin, qui exhorte à la désescalade au Moyen-Orient.",
            "Nous sommes profondément préoccupés par la montée des tensions dans la région et "
            "nous exhortons tous les pays de la région à s'abstenir, a-t-il ajouté.",
            "Le ministre des Affaires étrangères a également eu une conversation téléphonique "
            "avec son homologue iranien la semaine dernière, selon le communiqué officiel.",
        ]
    )
    page = f'<html lang="en"><head><title>Le Kremlin</title></head><body><article>{paragraphs}'
    page += "</article></body></html>"
    item = RawItem(item_key="k", source="t", kind=Kind.HTML, payload={"html": page})
    (prepared,) = run_batch([item], Deps(), datetime.now(UTC))
    assert prepared.article is not None
    assert (prepared.article.language, prepared.article.declared_language) == ("fr", "en")
