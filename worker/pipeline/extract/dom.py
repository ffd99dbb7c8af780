"""Turn untrusted HTML text into an lxml tree, or fail with a ``PermanentError``."""

from __future__ import annotations

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
