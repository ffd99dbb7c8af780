"""The pure dedup decision (worker/pipeline/dedup.py), with real near-dup signatures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from worker.pipeline.dedup import STORE, Candidate, Decision, decide
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


def cand(article_id: str, hours: int, text: str | None) -> Candidate:
    return Candidate(article_id, T0 + timedelta(hours=hours), sig(text) if text else None)


def run(
    near: NearSig | None,
    *,
    exact_id: str | None = None,
    same_url: list[Candidate] | None = None,
    near_candidates: list[Candidate] | None = None,
    window_start: datetime | None = None,
) -> Decision:
    return decide(
        near,
        exact_id=exact_id,
        same_url=same_url or [],
        near_candidates=near_candidates or [],
        params=DEFAULT_PARAMS,
        window_start=window_start,
    )


def test_fixture_texts_are_what_the_tests_assume() -> None:
    from worker.pipeline.neardup import similarity

    assert similarity(sig(HARBOUR), sig(HARBOUR_REPRINT)) >= DEFAULT_PARAMS.threshold
    assert similarity(sig(HARBOUR), sig(RAIL)) < DEFAULT_PARAMS.threshold


def test_nothing_known_is_stored() -> None:
    assert run(sig(HARBOUR)) == STORE
    assert STORE.status == "stored"
    assert STORE.revision_of is None


def test_exact_match_wins_over_everything() -> None:
    decision = run(
        sig(HARBOUR),
        exact_id="X",
        same_url=[cand("U", 0, RAIL)],
        near_candidates=[cand("N", 0, HARBOUR)],
    )
    assert decision == Decision("duplicate", "X", 1.0, "exact")


def test_same_url_with_near_identical_body_is_a_duplicate() -> None:
    decision = run(sig(HARBOUR_REPRINT), same_url=[cand("A", 0, HARBOUR)])
    assert decision.status == "duplicate"
    assert decision.duplicate_of == "A"
    assert decision.method == "url"
    assert decision.similarity is not None
    assert decision.similarity >= DEFAULT_PARAMS.threshold


def test_same_url_with_changed_body_is_a_revision_of_the_latest() -> None:
    decision = run(sig(RAIL), same_url=[cand("B", 5, HARBOUR_REPRINT), cand("A", 0, HARBOUR)])
    assert decision.status == "stored"
    assert decision.revision_of == "B"
    assert decision.duplicate_of is None
    assert decision.similarity is not None
    assert decision.similarity < DEFAULT_PARAMS.threshold


def test_same_url_without_signatures_is_a_revision() -> None:
    decision = run(None, same_url=[cand("A", 0, None)])
    assert decision.status == "stored"
    assert decision.revision_of == "A"


def test_same_url_takes_precedence_over_near_candidates() -> None:
    decision = run(
        sig(RAIL), same_url=[cand("A", 0, HARBOUR)], near_candidates=[cand("N", 0, RAIL)]
    )
    assert decision.status == "stored"
    assert decision.revision_of == "A"


def test_same_url_duplicate_similarity_is_against_a_match() -> None:
    """Page A, then revision B (new body), then C = B plus a line: C duplicates B."""
    rail_plus = RAIL + " Passengers were told to check before travelling."
    decision = run(sig(rail_plus), same_url=[cand("A", 0, HARBOUR), cand("B", 5, RAIL)])
    assert decision.status == "duplicate"
    # Whatever it points at, the reported similarity must be against a matching article.
    assert decision.similarity is not None
    assert decision.similarity >= DEFAULT_PARAMS.threshold


def test_same_url_duplicate_of_is_the_matching_revision() -> None:
    rail_plus = RAIL + " Passengers were told to check before travelling."
    decision = run(sig(rail_plus), same_url=[cand("A", 0, HARBOUR), cand("B", 5, RAIL)])
    assert decision.duplicate_of == "B"


def test_near_copy_is_a_duplicate_of_the_earliest_match() -> None:
    decision = run(
        sig(HARBOUR_REPRINT),
        near_candidates=[cand("late", 9, HARBOUR), cand("early", 1, HARBOUR), cand("r", 0, RAIL)],
    )
    assert decision.status == "duplicate"
    assert decision.duplicate_of == "early"
    assert decision.method == "near"
    assert decision.similarity is not None
    assert DEFAULT_PARAMS.threshold <= decision.similarity <= 1.0


def test_near_ties_on_time_break_by_id() -> None:
    decision = run(sig(HARBOUR), near_candidates=[cand("b", 0, HARBOUR), cand("a", 0, HARBOUR)])
    assert decision.duplicate_of == "a"


def test_unrelated_candidates_are_stored() -> None:
    assert run(sig(HARBOUR), near_candidates=[cand("r", 0, RAIL)]) == STORE


def test_candidates_before_the_window_are_ignored() -> None:
    old = cand("old", 0, HARBOUR)
    window = T0 + timedelta(days=1)
    assert run(sig(HARBOUR), near_candidates=[old], window_start=window) == STORE
    recent = cand("new", 48, HARBOUR)
    assert run(sig(HARBOUR), near_candidates=[old, recent], window_start=window).duplicate_of == (
        "new"
    )


def test_missing_signature_is_never_a_near_duplicate() -> None:
    assert run(None, near_candidates=[cand("a", 0, HARBOUR)]) == STORE
    assert run(sig(HARBOUR), near_candidates=[cand("a", 0, None)]) == STORE
