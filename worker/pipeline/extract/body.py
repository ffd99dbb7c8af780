"""The body: trafilatura's text on the visible page, completed and cleaned of furniture."""

from __future__ import annotations

from lxml.html import HtmlElement

from worker.pipeline.extract.boilerplate import clean_lines, drop_headline_lines
from worker.pipeline.extract.candidates import Candidate, continued, from_trafilatura, words
from worker.pipeline.extract.dom import link_texts, unseen_xpath


def finish(
    candidate: Candidate, headlines: list[str], links: frozenset[str] = frozenset()
) -> Candidate:
    """Drop the repeated headline, boilerplate lines and trailing links to other pages."""
    lines = drop_headline_lines(candidate.text.split("\n"), headlines)
    return Candidate(candidate.name, "\n".join(clean_lines(lines, links)))


# Menus: text found only there is navigation, never an article. Trafilatura's
# last-resort rescue takes the whole page, so a page of nothing but a menu comes back.
FURNITURE = ("nav", "menu")
# Only a short text is judged so: some pages wrap their whole article in menu markup.
MAX_MENU_CHARS = 500


def _only_furniture(tree: HtmlElement, text: str) -> bool:
    if len(text) > MAX_MENU_CHARS:
        return False
    furniture = " ".join(words(el.text_content()) for el in tree.iter(*FURNITURE))
    return all(words(line) in furniture for line in text.split("\n"))


def extract_body(tree: HtmlElement, url: str | None, headlines: list[str]) -> Candidate:
    # Text the page hides (pop-ups, forms) or sets apart (cards) is not the article's.
    found = continued(tree, from_trafilatura(tree, url, prune=unseen_xpath(tree)))
    body = finish(found, headlines, link_texts(tree))
    if _only_furniture(tree, body.text):
        return Candidate(body.name, "")
    return body
