"""Turn untrusted HTML text into an lxml tree, or fail with a ``PermanentError``; say what
of the tree a reader does not see as text (hidden elements, cards) and what are links."""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from worker.core.errors import PermanentError, Reason

# Real article pages stay far below this; anything larger is a dump or an attack, and
# parsing it would stall a worker for seconds.
MAX_HTML_CHARS = 8_000_000

# Share of characters that may be control characters or U+FFFD before we call the input
# binary garbage rather than a page with a few bad bytes.
MAX_GARBAGE_SHARE = 0.1


def _unparsable(message: str) -> PermanentError:
    return PermanentError(message, reason=Reason.UNPARSABLE_HTML)


def _garbage_share(sample: str) -> float:
    bad = sum(1 for ch in sample if ch == "\ufffd" or (ch < " " and ch not in "\t\n\r\f"))
    return bad / max(1, len(sample))


def parse_html(html: str) -> HtmlElement:
    """Parse ``html``; lxml caps nesting depth itself, so deep trees cannot recurse us."""
    if not isinstance(html, str):
        raise _unparsable(f"expected str, got {type(html).__name__}")
    if len(html) > MAX_HTML_CHARS:
        raise _unparsable(f"HTML too large ({len(html)} characters)")
    if _garbage_share(html[:20_000]) > MAX_GARBAGE_SHARE:
        raise _unparsable("input looks like binary data, not HTML")
    # NUL characters make lxml refuse the whole string; they never carry text.
    html = html.replace("\x00", "")
    try:
        tree = load_html(html)
    except (ValueError, etree.LxmlError, RecursionError, MemoryError) as exc:
        raise _unparsable(f"HTML could not be parsed: {exc}") from exc
    if tree is None:
        raise PermanentError("empty document", reason=Reason.NO_CONTENT)
    return tree


# Elements a reader never sees: hover cards, pop-ups and newsletter forms shipped hidden,
# screen-reader duplicates. Extractors read the markup, so they would keep the text.
# Only the compact spelling scripts write when they hide a pop-up: "display: none" typed
# with a space mostly closes tabs and accordions a reader opens, whose text is the page's
# (pruning the spaced form too lost text on trafilatura's set and gained nothing elsewhere).
_HIDDEN = (
    "@hidden or @aria-hidden='true' or contains(@style, 'display:none')"
    " or contains(@style, 'visibility:hidden')"
)
_KEPT = "self::html or self::body or self::head or self::main or self::article"
# A hidden element holding this share of the page's text is the page itself, hidden until
# a script shows it (anti-flicker, consent walls): it stays.
MAX_HIDDEN_SHARE = 0.3
# Inside a paragraph, an element holding a picture and several links is a card (a hover
# card on a name, a related story, share tools), not part of the sentence around it. The
# innermost such element: a span wrapping the whole sentence holds the card too.
_CARD = ".//img and count(.//a) >= 2"
CARD_IN_PARAGRAPH = f".//p//*[self::span or self::div][{_CARD} and not(./*[{_CARD}])]"


def unseen_xpath(tree: HtmlElement) -> str:
    """An XPath selecting what a reader does not see as the text: hidden elements and cards
    inside paragraphs. The extractor prunes it from its own copy of the tree."""
    limit = int(MAX_HIDDEN_SHARE * len(tree.text_content())) + 1
    hidden = f".//*[({_HIDDEN}) and not({_KEPT}) and string-length(.) < {limit}]"
    return f"{hidden} | {CARD_IN_PARAGRAPH}"


WORD_RE = re.compile(r"\w+")


def link_texts(tree: HtmlElement) -> frozenset[str]:
    """The texts of the page's links as lowercased words joined by spaces, the form
    ``boilerplate.clean_lines`` compares lines in."""
    found = (" ".join(WORD_RE.findall(a.text_content().lower())) for a in tree.iter("a"))
    return frozenset(text for text in found if text)
