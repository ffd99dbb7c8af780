"""Drop lines that survive extraction but are not the article: prompts, credits, links.

Patterns are general and multilingual (en, de, fr, es, pt, it, pl, ru, ar, ja, zh, ko, hi);
they only apply to short lines, so a real paragraph that mentions "newsletter" stays.
Links are judged with the page: a line that is only the text of one of its links, right
after a "related" header or at the very end of the text, is a link to another page.
"""

from __future__ import annotations

import re

# Longest line a prompt/credit pattern may remove: prompts are short, paragraphs are not.
MAX_PROMPT_CHARS = 220
# Longest line taken for a link to another page when it is exactly a link's text.
MAX_LINK_CHARS = 200

_WHOLE_LINE = [
    # "read also" / related-content headers and links
    r"(read|see|watch|listen)( (more|also|next|this))?\b.{0,3}:?",
    r"(related|recommended|more|also|also on [\w.]+|most (read|popular|viewed)|trending)"
    r"( (stories|articles|posts|content|news|coverage|in [\w ]+))?\b.{0,3}:?",
    r"(related|see also|read more|read also|see more|more on this|also on [\w.]+)\s*:.*",
    r"you (may|might) (also )?(like|enjoy|be interested).*",
    r"don'?t miss\b.*",
    r"(lesen sie (auch|mehr|hier)|mehr zum thema|das könnte sie auch interessieren).*",
    r"(auch interessant|das (thema )?könnte dich auch interessieren|empfohlene beiträge|"
    r"weitere (themen|artikel|beiträge|informationen|infos|nachrichten)( \w+){0,5}|"
    r"mehr themen|zum weiterlesen|schon gelesen\??|auch lesen|auch auf [\w.-]+)\b.{0,3}(:.*)?",
    r"((à )?lire (aussi|également|la suite)|voir aussi|à voir aussi|sur le même sujet).*",
    r"(lea|lee|leer|ver) (también|más)\b.*|te puede interesar.*|noticias relacionadas.*",
    r"((le|te) puede interesar|vea también|lea|mira|mire|puedes ver|notas relacionadas|"
    r"contenido relacionado|más sobre( \w+){0,4}|te recomendamos)\b.{0,3}(:.*)?",
    r"(czytaj (też|także|również|więcej)|dowiedz się więcej|zobacz (też|także|również))\b.*",
    r"(leia|veja) (também|mais)\b.*|saiba mais\b.*|mais lidas.*",
    r"(leggi|guarda) anche\b.*|potrebbe interessarti.*",
    r"(читайте|смотрите) (также|еще|ещё)\b.*",
    r"(اقرأ|إقرأ) (أيضا|أيضاً|المزيد)\b.*|مقالات ذات صلة.*|اخبار ذات صلة.*",
    r"(관련\s?기사|함께 보면 좋은|많이 본 뉴스|주요뉴스).*|.{0,20} 주요뉴스",
    r"(関連記事|あわせて読みたい|こちらもおすすめ|おすすめ記事).*",
    r"(相关(阅读|新闻|文章)|延伸阅读|推荐阅读).*",
    r"(यह|ये) भी पढ़ें\b.*",
    # advertising, comments, tags, reading time
    r"(advertisement|sponsored|anzeige|werbung|publicité|publicidade|publicidad|"
    r"pubblicità|реклама|إعلان|광고|広告|广告|विज्ञापन)",
    r"(\d+ )?(comments?|kommentare?|commentaires?|comentários?|comentarios?|commenti|"
    r"комментарии|تعليقات|댓글|コメント|评论)",
    r"(tags?|filed under|schlagworte|themen|étiquettes|etiquetas|marcadores|tópicos)\s*[:|].*",
    r"(tags|filed under)",
    r"(bild|foto|image|photo)s? (anzeigen|vergrößern|ansehen|öffnen)",
    r"((estimated )?reading time|tempo de leitura|lesezeit|temps de lecture|"
    r"tiempo de lectura|время чтения).*|\d+ min(ute)?s? read",
    # source and staff credits: the benchmark and readers treat them as page furniture
    r"(source|sources|fonte|quelle|fuente)\s*:.{0,60}",
    r"\(?(reporting|additional reporting|writing|editing) by .*",
    r".{0,160}\bcontributed (reporting|to this (report|story|article))\.?\)?",
]

_ANYWHERE = [
    # newsletter / subscription prompts
    r"\b(newsletters?|delivered to your inbox|in your inbox)\b|^subscribe\b",
    r"\b(sign up|subscribe)\b.{0,60}\b(e-?mails?|alerts|updates|briefing)\b",
    r"\b(abonnieren|abonnez-vous|s'abonner|inscrivez-vous|suscríbete|inscreva-se|iscriviti)\b",
    r"подпишитесь|اشترك|구독|購読|订阅|सब्सक्राइब",
    # share / follow prompts
    r"\bsubscribe (now|today|here)\b|\bplease subscribe\b|\balready a subscriber\b",
    r"\bshare (this|the) (story|article|post)|\bshare on (facebook|twitter|whatsapp|linkedin)",
    r"^share\b.{0,30}$|\b(follow (us|@|\w+ on (twitter|facebook|instagram))|like this story)",
    r"\b(folgen sie|suivez-nous|s[ií]guenos|siga-nos|seguici|подписывайтесь)\b",
    r"\bfollow\b.{0,40}\bon (twitter|facebook|instagram|telegram|whatsapp|youtube|linkedin)\b",
    r"\bcanal de (youtube|telegram|whatsapp)\b|\bclick(ing)? here\b|\b(hier|einfach) klicken\b",
    # comment prompts and counters
    r"\bkommentare?n?\b.{0,40}\b(schreiben|verfassen|insgesamt)\b|^keine kommentare",
    r"\bin den kommentaren\b|\bleave a (comment|reply)\b",
    # advertising labels and affiliate disclosures
    r"^(anzeige|werbung|advertisement|sponsored( content)?|publicidad|publicité|reklama)"
    r"\s*[:,.|–-]",
    r"\baffiliate[- ]links?\b|\bwe may (receive|earn) (a )?(compensation|commission)",
    r"\b(contains|enthält) (werbung|affiliate)",
    # cookies and rights notices
    r"\b(we use cookies|uses cookies|cookie (policy|settings))\b",
    r"\bcookies?\b.{0,40}\b(accept|consent)",
    r"^(copyright|©|\(c\))|all rights reserved|tous droits réservés|alle rechte vorbehalten",
    r"todos os direitos reservados|todos los derechos reservados|무단\s?전재|無断転載|版权所有",
    r"جميع الحقوق محفوظة|this copy is for your personal, non-commercial use",
    # photo credits
    r"^(photo|photos|foto|fotos|image|picture|bild|crédit|credit|illustration)s?\s*(:|by\b|©)",
    r"\((photo|foto|image|credit|crédito)s?\s*:|(getty images|shutterstock|ap photo|afp photo)\)?$",
    r"^(写真|사진|صورة|图片来源|图片)\s*[:：]",
    r"^(fot|titelbild|beitragsbild|bildquelle|crédits? photos?|image illustrative)\s*[.:]\s",
    # a caption that ends with its picture credit: "… in Oslo. © AFP / Jane Doe"
    r".{3,}©\s*[^.!?©]{2,60}$",
    # related-link lists tagged like "Headline [VIDEO]"
    r"\[[A-Z][A-Z ]{2,}\]\s*\|?$",
    # a bare e-mail address or social handle is a contact line, not prose
    r"^(\S+@\S+\.\w+|twitter\.com/\S+)$",
]

WHOLE_LINE_RE = re.compile(r"(?:" + "|".join(_WHOLE_LINE) + r")", re.IGNORECASE)
ANYWHERE_RE = re.compile("|".join(_ANYWHERE), re.IGNORECASE)
# Tweet-quote widgets append this to the sentence they quote.
SUFFIX_RE = re.compile(r"\s*click to tweet\s*$", re.IGNORECASE)
LIST_ITEM_RE = re.compile(r"^[-•*·]\s")
TOKEN_RE = re.compile(r"\w+")


def is_boilerplate(line: str) -> bool:
    """Whether a short line is a prompt, credit, link header or notice."""
    if len(line) > MAX_PROMPT_CHARS:
        return False
    text = line.strip(" \t-–—•*·|>»«[]")
    return bool(WHOLE_LINE_RE.fullmatch(text) or ANYWHERE_RE.search(text))


def _is_link_item(line: str) -> bool:
    # A short list item without sentence punctuation reads as a link title.
    return bool(LIST_ITEM_RE.match(line)) and len(line) < 140 and not line.endswith((".", "!"))


def _is_link(line: str, links: frozenset[str]) -> bool:
    """Whether the whole line is the text of one of the page's links."""
    return len(line) < MAX_LINK_CHARS and _tokens(line) in links


def clean_lines(lines: list[str], links: frozenset[str] = frozenset()) -> list[str]:
    """Remove boilerplate lines, link lists that follow a removed header, and the links
    (to other stories) that end the text. ``links``: the page's link texts as tokens."""
    kept: list[str] = []
    after_dropped = False
    for raw in lines:
        line = SUFFIX_RE.sub("", raw)
        linked = _is_link_item(line) or _is_link(line, links)
        if is_boilerplate(line) or (after_dropped and linked):
            after_dropped = True
            continue
        after_dropped = False
        kept.append(line)
    while len(kept) > 1 and _is_link(kept[-1], links):
        kept.pop()
    return kept


def _tokens(text: str) -> str:
    return " ".join(TOKEN_RE.findall(text.lower()))


def drop_headline_lines(lines: list[str], headlines: list[str]) -> list[str]:
    """Drop a repeated headline among the first lines: the title is not part of the body."""
    known = {_tokens(h) for h in headlines if h}
    known.discard("")
    head = [line for line in lines[:3] if _tokens(line) not in known]
    return head + lines[3:]
