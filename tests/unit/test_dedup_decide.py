"""The pure dedup decision (worker/pipeline/dedup.py), with real near-dup signatures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from worker.pipeline.dedup import STORE, Candidate, Decision, Incoming, decide, same_article
from worker.pipeline.neardup import DEFAULT_PARAMS, NearSig, near_signature

T0 = datetime(2024, 1, 1, tzinfo=UTC)

HARBOUR = (
    "The city's harbour reopened on Thursday after three weeks of repairs to the sea wall "
    "damaged in the March storm, the port authority said. The repairs cost about 2.4 million "
    "pounds and were paid by the regional council, which had asked for help from the state."
)
# The same story with a one-sentence tail added: a typical reprint.
HARBOUR_REPRINT = HARBOUR + " Fishermen said they lost almost a month of work."
RAIL = (
    "Rail workers voted on Wednesday to hold a two-day strike in May over pay, their union "
    "said, the third walkout this year. About 40,000 members took part in the ballot and 86 "
    "percent backed the action; the operators said they would publish a reduced timetable."
)


def sig(text: str) -> NearSig:
    return near_signature(text, DEFAULT_PARAMS)


def cand(article_id: str, hours: int, text: str | None, **fields: str | None) -> Candidate:
    return Candidate(
        article_id, T0 + timedelta(hours=hours), sig(text) if text else None, body=text,
        **fields,  # type: ignore[arg-type]
    )  # fmt: skip


def new(text: str | None, **fields: str | None) -> Incoming:
    return Incoming(sig(text) if text else None, body=text, **fields)  # type: ignore[arg-type]


def run(
    incoming: Incoming,
    *,
    exact: Candidate | None = None,
    same: list[Candidate] | None = None,
    near_candidates: list[Candidate] | None = None,
    window_start: datetime | None = None,
) -> Decision:
    return decide(
        incoming,
        exact=exact,
        same=same or [],
        near_candidates=near_candidates or [],
        params=DEFAULT_PARAMS,
        window_start=window_start,
    )


def test_fixture_texts_are_what_the_tests_assume() -> None:
    from worker.pipeline.neardup import similarity

    assert similarity(sig(HARBOUR), sig(HARBOUR_REPRINT)) >= DEFAULT_PARAMS.threshold
    assert similarity(sig(HARBOUR), sig(RAIL)) < DEFAULT_PARAMS.threshold


def test_nothing_known_is_stored() -> None:
    assert run(new(HARBOUR)) == STORE
    assert STORE.status == "stored"
    assert STORE.revision_of is None


def test_exact_match_wins_over_everything() -> None:
    decision = run(
        new(HARBOUR),
        exact=cand("X", 0, HARBOUR),
        same=[cand("U", 0, RAIL)],
        near_candidates=[cand("N", 0, HARBOUR)],
    )
    assert decision == Decision("duplicate", "X", 1.0, "exact")


def test_same_url_with_a_sentence_added_is_a_revision_not_a_duplicate() -> None:
    decision = run(new(HARBOUR_REPRINT), same=[cand("A", 0, HARBOUR)])
    assert decision.status == "stored"
    assert decision.revision_of == "A"


def test_same_url_trivially_different_is_a_duplicate() -> None:
    restyled = "By Jane Doe\nUpdated 18:40\n" + HARBOUR.replace("'", "’").replace(",", " ,")
    decision = run(new(restyled), same=[cand("A", 0, HARBOUR)])
    assert decision == Decision("duplicate", "A", 1.0, "url")


def test_a_summary_after_its_page_is_a_duplicate_of_the_page() -> None:
    page = HARBOUR + " " + RAIL
    summary = HARBOUR.split(". ")[0] + "."
    decision = run(new(summary), same=[cand("P", 0, page)])
    assert decision.status == "duplicate" and decision.duplicate_of == "P"


def test_the_page_after_its_summary_is_a_revision_that_becomes_current() -> None:
    summary = HARBOUR.split(". ")[0] + "."
    decision = run(new(HARBOUR + " " + RAIL), same=[cand("S", 0, summary)])
    assert decision.status == "stored" and decision.revision_of == "S"


def test_same_url_with_changed_body_is_a_revision_of_the_latest() -> None:
    decision = run(new(RAIL), same=[cand("B", 5, HARBOUR_REPRINT), cand("A", 0, HARBOUR)])
    assert decision.status == "stored"
    assert decision.revision_of == "B"
    assert decision.duplicate_of is None


def test_same_url_without_signatures_is_a_revision() -> None:
    decision = run(Incoming(None), same=[cand("A", 0, None)])
    assert decision.status == "stored"
    assert decision.revision_of == "A"


def test_entries_sharing_a_link_with_different_guids_and_titles_are_distinct() -> None:
    held = cand("A", 0, HARBOUR, external_id="g1", title="One")
    assert not same_article(new(RAIL, external_id="g2", title="Two"), held)
    assert same_article(new(RAIL, external_id="g1", title="Two"), held)  # same GUID
    assert same_article(new(RAIL, title="Two"), held)  # no GUID: the URL decides


def test_near_copy_is_a_duplicate_of_the_earliest_match() -> None:
    decision = run(
        new(HARBOUR_REPRINT),
        near_candidates=[cand("late", 9, HARBOUR), cand("early", 1, HARBOUR), cand("r", 0, RAIL)],
    )
    assert decision.status == "duplicate"
    assert decision.duplicate_of == "early"
    assert decision.method == "near"
    assert decision.similarity is not None
    assert DEFAULT_PARAMS.threshold <= decision.similarity <= 1.0


def test_a_fuller_text_elsewhere_is_stored_and_linked_to_the_shorter() -> None:
    fuller = HARBOUR + " " + RAIL
    decision = run(new(fuller), near_candidates=[cand("short", 0, HARBOUR)])
    assert decision.status == "stored"
    assert decision.similar_to == "short"


def test_near_ties_on_time_break_by_id() -> None:
    decision = run(new(HARBOUR), near_candidates=[cand("b", 0, HARBOUR), cand("a", 0, HARBOUR)])
    assert decision.duplicate_of == "a"


def test_unrelated_candidates_are_stored() -> None:
    assert run(new(HARBOUR), near_candidates=[cand("r", 0, RAIL)]) == STORE


def test_candidates_before_the_window_are_ignored() -> None:
    old = cand("old", 0, HARBOUR)
    window = T0 + timedelta(days=1)
    assert run(new(HARBOUR), near_candidates=[old], window_start=window) == STORE
    recent = cand("new", 48, HARBOUR)
    decision = run(new(HARBOUR), near_candidates=[old, recent], window_start=window)
    assert decision.duplicate_of == "new"


def test_missing_signature_is_never_a_near_duplicate() -> None:
    assert run(Incoming(None), near_candidates=[cand("a", 0, HARBOUR)]) == STORE
    assert run(new(HARBOUR), near_candidates=[cand("a", 0, None)]) == STORE
