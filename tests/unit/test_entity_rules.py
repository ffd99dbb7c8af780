"""General clean-up rules for entity spans (``entity_rules``), through ``mentions_from_doc``
and ``merge_mentions`` on hand-made docs: no model needed."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from worker.pipeline.enrich.entity_labels import person_name_only
from worker.pipeline.enrich.entity_mentions import Mention, mentions_from_doc, without_common_words
from worker.pipeline.enrich.entity_merge import merge_mentions
from worker.pipeline.enrich.entity_rules import (
    is_generic,
    is_role_only,
    noun_before_list,
    split_leading_noun,
)


def doc(text: str, *spans: tuple[str, str]) -> Any:
    """A Doc-like object over ``text``; each span is found at its first occurrence."""
    ents = [SimpleNamespace(text=s, start_char=text.index(s), label_=label) for s, label in spans]
    return SimpleNamespace(text=text, ents=ents)


def found(text: str, *spans: tuple[str, str]) -> list[tuple[str, str]]:
    return [(m.text, m.label) for m in mentions_from_doc(doc(text, *spans))]


def entities(text: str, *spans: tuple[str, str]) -> list[tuple[str, str]]:
    return [(e.text, e.label) for e in merge_mentions(mentions_from_doc(doc(text, *spans)))]


def test_a_lower_case_article_is_not_part_of_the_name() -> None:
    assert found("relatif à l'égalité, la Tunisie est classée", ("la Tunisie", "LOC")) == [
        ("Tunisie", "LOC")
    ]


def test_a_capitalised_article_joins_the_bare_name_met_elsewhere() -> None:
    text = "La Tunisie a reculé. Pourtant la Tunisie s'est engagée."
    spans = (("La Tunisie", "LOC"), ("la Tunisie", "LOC"))
    assert entities(text, *spans) == [("Tunisie", "LOC")]
    assert entities("Le Pen a dit.", ("Le Pen", "PER")) == [("Le Pen", "PER")]


def test_a_trailing_elided_word_is_dropped() -> None:
    assert found("les entreprises Lime et Bird n'ont pas", ("Bird n'", "PER")) == [("Bird", "ORG")]


def test_a_noun_before_a_list_of_names_labels_each() -> None:
    text = "les entreprises Lime et Bird n'ont pas"
    assert found(text, ("Lime", "PER")) == [("Lime", "ORG")]
    assert noun_before_list("les entreprises Lime et ") == "entreprises"
    assert noun_before_list("Ambassador to the European Union ") == "Union"


def test_a_leading_common_noun_is_cut_and_labels_the_name() -> None:
    assert found("le tabloïd Blesk révèle", ("tabloïd Blesk", "PER")) == [("Blesk", "ORG")]
    assert split_leading_noun("ministre de la Santé Roman Prymula") == (
        "ministre",
        "Roman Prymula",
    )
    text = "que le ministre de la Santé Roman Prymula s'est"
    assert found(text, ("ministre de la Santé Roman Prymula", "ORG")) == [("Roman Prymula", "PER")]


@pytest.mark.parametrize("text", ["de Gaulle", "van Gogh", "iPad Pro", "al-Assad Jr"])
def test_particles_and_brand_names_are_not_common_nouns(text: str) -> None:
    assert split_leading_noun(text) is None


def test_a_role_without_a_name_is_no_entity() -> None:
    assert is_role_only("ministre de la Santé")
    assert is_role_only("ministre russe des Affaires étrangères")
    assert not is_role_only("ministre de la Santé Roman Prymula")
    text = "le ministre russe des Affaires étrangères Sergueï Lavrov"
    spans = ("ministre russe des Affaires étrangères Sergueï Lavrov", "PER")
    assert found(text, spans) == [("Sergueï Lavrov", "PER")]
    role = "ministre des Affaires étrangères"
    assert found(f"le {role} a dit", (role, "PER")) == []


def test_a_generic_noun_alone_is_no_entity() -> None:
    assert is_generic("Etat") and is_generic("États")
    assert not is_generic("Etats-Unis")
    assert found("le chef de l'Etat et", ("Etat", "LOC")) == []


def test_an_institution_takes_its_lower_case_tail() -> None:
    text = "présent dès lundi au Conseil des ministres »."
    assert found(text, ("Conseil", "ORG")) == [("Conseil des ministres", "ORG")]
    # a verb after it is not part of the name
    text = "le Conseil des ministres a décidé."
    assert found(text, ("Conseil", "ORG")) == [("Conseil", "ORG")]


def test_a_compass_point_takes_the_place_after_it() -> None:
    text = "les pays du Moyen Orient et le Nord de l'Afrique en 2018"
    assert found(text, ("Nord", "LOC")) == [("Nord de l'Afrique", "LOC")]


def test_a_first_name_before_a_one_word_person() -> None:
    text = "The house where Adolf Hitler was born. Although Hitler was"
    assert found(text, ("Hitler", "PER")) == [("Adolf Hitler", "PER")]
    assert found("said President Biden", ("Biden", "PER")) == [("Biden", "PER")]
    assert found("on Tuesday Smith said", ("Smith", "PER")) == [("Smith", "PER")]


def test_an_account_is_an_organisations() -> None:
    text = "saying the Twitter account was"
    assert found(text, ("Twitter", "PER")) == [("Twitter", "ORG")]


def test_a_name_before_a_prison_is_a_place() -> None:
    text = "visit to the city's Hoa Lo prison, dubbed"
    assert found(text, ("Hoa Lo", "PER")) == [("Hoa Lo", "LOC")]


def test_a_hyphenated_first_names_last_part_is_the_same_person() -> None:
    text = "Jean-Paul Delevoye a dit à Paul Delevoye."
    spans = (("Jean-Paul Delevoye", "PER"), ("Paul Delevoye", "PER"))
    assert entities(text, *spans) == [("Jean-Paul Delevoye", "PER")]
    text = "Jakob von Moltke and Kathryn Locksley-von Moltke"
    spans = (("Jakob von Moltke", "PER"), ("Locksley-von Moltke", "PER"))
    assert len(entities(text, *spans)) == 2


def _one_word_mentions(body: str, *names: tuple[str, str]) -> list[Mention]:
    return [Mention(body.index(n), body.index(n) + len(n), n, label) for n, label in names]


def test_a_capitalised_common_word_is_no_name() -> None:
    body = "Céréales. Les céréales traitées au chlorothalonil ont été retirées par Syngenta."
    mentions = _one_word_mentions(body, ("Céréales", "LOC"), ("Syngenta", "ORG"))
    assert [m.text for m in without_common_words(body, mentions, "fr")] == ["Syngenta"]


def test_a_word_in_an_address_is_not_the_text_writing_it() -> None:
    body = "Twitter said so. pic.twitter.com/abc and @twitter and twitter-bots, NASA and nasa.gov"
    mentions = _one_word_mentions(body, ("Twitter", "ORG"), ("NASA", "ORG"))
    assert [m.text for m in without_common_words(body, mentions, "en")] == ["Twitter", "NASA"]


def test_german_capitals_prove_nothing() -> None:
    body = "Die Grünen stimmten zu. Die grünen Wiesen blieben."
    mentions = _one_word_mentions(body, ("Grünen", "ORG"))
    assert without_common_words(body, mentions, "de") == mentions
    assert without_common_words(body, mentions, "fr") == []


def test_a_person_span_loses_the_title_and_the_photo_credit() -> None:
    text = "said Supervisor Alfredo Pedroza. Photo: Jonathan Nackstrand/AFP"
    spans = [("Supervisor Alfredo Pedroza", "PERSON"), ("Jonathan Nackstrand/AFP", "PERSON")]
    assert found(text, *spans) == [("Alfredo Pedroza", "PER"), ("Jonathan Nackstrand", "PER")]
    # Only a title before a capitalised name goes: "Premier ministre" is left whole.
    assert person_name_only("Premier ministre") == "Premier ministre"
    assert person_name_only("Son Heung-min") == "Son Heung-min"  # a surname, not a son
    assert person_name_only("Quarterback Mason Rudolph") == "Mason Rudolph"
    assert person_name_only("Don Dokken") == "Don Dokken"  # a first name, not the title


def test_one_word_after_the_or_in_capitals_is_no_person() -> None:
    text = "The Steelers beat the Browns at the SAG awards; Garrett spoke."
    spans = [("Steelers", "PERSON"), ("Browns", "PERSON"), ("SAG", "PERSON"), ("Garrett", "PERSON")]
    assert found(text, *spans) == [
        ("Steelers", "ORG"),
        ("Browns", "ORG"),
        ("SAG", "ORG"),
        ("Garrett", "PER"),
    ]


def test_a_sports_role_before_a_name_makes_it_a_person() -> None:
    text = "shoving Pittsburgh quarterback Mason Rudolph to the ground"
    assert found(text, ("Mason Rudolph", "ORG")) == [("Mason Rudolph", "PER")]


def test_a_person_named_as_a_modifier_after_the_stays_a_person() -> None:
    text = "critics of the Trump administration and of the Telegraph, a paper"
    spans = [("Trump", "PERSON"), ("Telegraph", "PERSON")]
    assert found(text, *spans) == [("Trump", "PER"), ("Telegraph", "ORG")]
