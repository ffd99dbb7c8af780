"""Regexes built from word lists: an alternation, and a lookahead on the words' first
letters that spares a long alternation at the word starts none of its words can begin."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable


def alternation(words: Iterable[str]) -> str:
    """A regex alternation, longest first so ``sept`` never shadows ``septembre``."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def first_letters(words: Iterable[str], key: Callable[[str], str] = str, length: int = 3) -> str:
    """A regex for the first ``length`` letters of any of ``words`` (as ``key`` writes
    them: case folded for a case-blind regex), as a tree (``a(?:pr|ug)|d(?:ec|em)``). Put in
    a lookahead before a long alternation, it rejects most word starts at a few steps where
    the alternation would try every word; it lets through every start the alternation could
    match, so the matches stay the same."""
    return _tree({key(w)[:length] for w in words})


def _tree(prefixes: set[str]) -> str:
    heads: dict[str, set[str]] = {}
    for prefix in prefixes:
        heads.setdefault(prefix[:1], set()).add(prefix[1:])
    branches = []
    for head, rests in sorted(heads.items()):
        # Either apostrophe, as the day-word pattern takes both (aujourd’hui).
        letter = re.escape(head).replace("'", "['’]")
        if "" in rests:  # a whole short word: anything may follow it
            branches.append(letter)
        else:
            branches.append(f"{letter}(?:{_tree(rests)})")
    return "|".join(branches)
