"""Hard reprints and hard negatives, built from the extraction-benchmark bodies (plus a few
CJK articles written for this bench, the corpus holding only two Japanese bodies).

Deterministic for a given seed. Indexed items: the original and the site copy of every
corpus body (as in ``bench/_reprints.py``), the CJK articles below, and for a group of long
corpus bodies a copy ending with a press boilerplate paragraph the group shares. Queries
(each a copy of one article, so every query has true pairs) by kind:

- ``excerpt_lead``: the first paragraphs, about a third of the words (bodies of 240+ words);
- ``excerpt_third``: a contiguous third starting at a random sentence (240+ words);
  both sometimes with an outlet's header or a "read the full story" line;
- ``rewrite``: heavy edits: 25-35% of the words replaced, inserted or deleted, in spans of
  1-3 words, concentrated in the sentences a rewrite desk reworks (about half of them; the
  others are left alone), and sentences reordered;
- ``local_insert``: 2-3 paragraphs of unrelated local news inserted between paragraphs;
- ``retitle``: a new headline, dateline and byline, the first sentence reworded;
- ``cjk_edit``: CJK bodies with 8-15% of the characters edited in spans, punctuation widths
  changed, a CJK header/footer and one sentence moved; ``cjk_excerpt``: a third of one;
- hard-negative probes (they are near copies of their own article, and the point is which
  OTHER article they must not match): ``same_topic``: a body under another article's
  headline, quoting one or two of its sentences (at most 10% of either text), ``shared_boiler``:
  a body with the press boilerplate paragraph of its group (the other members of the group
  are indexed with the same paragraph).

Negatives are every query/indexed pair of different articles; "hard" ones are same-host
pairs, the same-topic CJK pairs, the same-topic probes and the shared-boilerplate pairs.
"""

from __future__ import annotations

import random
import re

from bench._reprints import (
    _HEADERS,
    _OUTLETS,
    Article,
    Item,
    indexed_items,
    normalise,
    paragraphs,
)

BOILER = "boiler"
MIN_EXCERPT_WORDS = 240  # an excerpt of a third is then 80+ words
_SENTENCES = re.compile(r"(?<=[.!?。！？])\s*")
_CITIES = ["Leeds", "Tampa", "Dayton", "Ghent", "Bremen", "Tours", "Malmo", "Split", "Cork"]
_LOCAL = [
    "The {c} city council will discuss the matter at its meeting on Tuesday evening.",
    "Residents in {c} told the Courier they had noticed little change so far this year.",
    "A spokesperson for the {c} county office said no local schools were affected.",
    "Traffic on the ring road around {c} was slower than usual on Monday morning.",
    "Local businesses in {c} have been asked to share their views in an online survey.",
    "The nearest public meeting will take place at the {c} community centre on Friday.",
    "Police in {c} said there had been no related incidents reported in the district.",
    "Readers in {c} can send their questions to the newsroom by email or by post.",
    "The regional hospital in {c} said it was prepared for a rise in visits this month.",
    "Several shops on the {c} high street closed early, according to the traders' group.",
]
_BOILERPLATES = [
    "About Northwind Holdings: Northwind Holdings is a global provider of logistics and "
    "supply chain services, operating in more than forty countries with over twelve thousand "
    "employees. The company is listed on the stock exchange and headquartered in Rotterdam. "
    "For more information, visit the company website or contact the press office.",
    "Forward-looking statements: this release contains statements about future events and "
    "expectations that are subject to risks and uncertainties. Actual results may differ "
    "materially from those expressed or implied, and the company undertakes no obligation "
    "to update any such statement after the date of this release.",
    "Editor's note: this article is part of our series on public services and is produced "
    "with support from a charitable foundation, which has no editorial control over the "
    "content. Our newsroom is independent, and corrections can be requested by writing to "
    "the standards editor at the address listed on our contact page.",
]
_CJK_HEAD = ["【新华网】本报讯 记者报道", "（共同通信）配信記事", "来源：综合报道　编辑：王明"]
_CJK_FOOT = [
    "（完）责任编辑：李华",
    "関連記事：最新ニュースはこちら",
    "本文转载自合作媒体，版权归原作者所有。",
]
_CJK_FILL = "的了是在有和也就都而及与或但其这那会说到对" + "のにはをがでともやへからまで"
_WIDTH = str.maketrans("，。！？：；（）「」", ",.!?:;()“”")


def words_of(text: str) -> list[str]:
    return text.split()


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCES.split(text) if s.strip()]


def is_cjk(text: str) -> bool:
    return sum("\u3040" <= c <= "\u9fff" for c in text) > len(text) / 4


def excerpt_lead(text: str, rng: random.Random) -> str:
    """The first paragraphs up to about a third of the words (sentences if one is longer)."""
    total = len(words_of(text))
    picked: list[str] = []
    for para in paragraphs(text):
        if sum(len(words_of(p)) for p in picked) >= total / 3:
            break
        picked.append(para)
    if sum(len(words_of(p)) for p in picked) > total * 0.45:
        return _sentence_run(sentences(text), 0, total / 3)
    return _frame_excerpt("\n\n".join(picked), rng)


def excerpt_third(text: str, rng: random.Random) -> str:
    """A contiguous third of the words, from a random sentence in the first two thirds."""
    sents = sentences(text)
    total = len(words_of(text))
    seen, starts = 0, []
    for n, s in enumerate(sents):
        if seen <= total * 2 / 3 - 10:
            starts.append(n)
        seen += len(words_of(s))
    return _frame_excerpt(_sentence_run(sents, rng.choice(starts), total / 3), rng)


def _sentence_run(sents: list[str], start: int, words: float) -> str:
    picked: list[str] = []
    for s in sents[start:]:
        if sum(len(words_of(p)) for p in picked) >= words:
            break
        picked.append(s)
    return " ".join(picked)


def _frame_excerpt(text: str, rng: random.Random) -> str:
    outlet = rng.choice(_OUTLETS)
    if rng.random() < 0.4:
        text = f"{rng.choice(_HEADERS).format(o=outlet)}\n\n{text}"
    if rng.random() < 0.5:
        text += f"\n\nRead the full story at {outlet}."
    return text


def rewrite(text: str, rng: random.Random, vocab: list[str]) -> str:
    """Replace/insert/delete 25-35% of the words, in spans, in the reworked sentences."""
    sents = sentences(text)
    rate = rng.uniform(0.25, 0.35)
    # A rewrite desk reworks about half of the sentences (leads, transitions) and leaves the
    # rest, quotes first, as they were; a reworked sentence keeps at least a fifth of its words.
    reworked = [rng.random() < 0.5 for _ in sents]
    share = sum(len(words_of(s)) for s, r in zip(sents, reworked, strict=True) if r)
    local = min(0.8, rate * len(words_of(text)) / max(share, 1))
    out = [
        _edit_words(words_of(s), local, rng, vocab) if r else words_of(s)
        for s, r in zip(sents, reworked, strict=True)
    ]
    for _ in range(max(1, len(out) // 6)):  # reorder: move a few sentences
        if len(out) > 2:
            out.insert(rng.randrange(len(out)), out.pop(rng.randrange(len(out))))
    return " ".join(" ".join(s) for s in out)


def _edit_words(words: list[str], rate: float, rng: random.Random, vocab: list[str]) -> list[str]:
    budget = round(len(words) * rate)
    words = list(words)
    while budget > 0 and words:
        span = min(budget, rng.randint(1, 3))
        pos = rng.randrange(len(words))
        action = rng.choice(("replace", "replace", "delete", "insert"))
        if action == "replace":
            words[pos : pos + span] = rng.sample(vocab, span)
        elif action == "delete" and len(words) > span:
            del words[pos : pos + span]
        else:
            words[pos:pos] = rng.sample(vocab, span)
        budget -= span
    return words


def local_insert(text: str, rng: random.Random) -> str:
    """Two or three paragraphs of local news (2-3 sentences each) between paragraphs."""
    paras = paragraphs(text)
    city = rng.choice(_CITIES)
    for _ in range(rng.randint(2, 3)):
        local = " ".join(s.format(c=city) for s in rng.sample(_LOCAL, rng.randint(2, 3)))
        paras.insert(rng.randint(1, len(paras)), local)
    return "\n\n".join(paras)


def retitle(text: str, rng: random.Random) -> str:
    """A headline from the lead's words, a dateline and byline, the lead's opening reworded."""
    lead = words_of(text)[:12]
    headline = " ".join(rng.sample(lead, min(len(lead), 8))).title()
    city = rng.choice(_CITIES).upper()
    dateline = f"{city}, May {rng.randint(1, 28)} ({rng.choice(_OUTLETS)}) -"
    byline = f"By {rng.choice(['Anna Smith', 'Tom Lee', 'R. Gupta'])}, staff reporter"
    body = words_of(text)
    body[:4] = ["In", "a", "statement", "today,", *body[2:4]]
    return f"{headline}\n{byline}\n{dateline} " + " ".join(body)


def cjk_edit(text: str, rng: random.Random) -> str:
    """8-15% of the characters edited in 1-3 character spans, punctuation widths, a CJK
    header and footer, one sentence moved."""
    chars = list(text)
    budget = round(len(chars) * rng.uniform(0.08, 0.15))
    while budget > 0:
        span, pos = rng.randint(1, 3), rng.randrange(len(chars))
        action = rng.choice(("replace", "delete", "insert"))
        if action == "replace":
            chars[pos : pos + span] = rng.choices(_CJK_FILL, k=span)
        elif action == "delete":
            del chars[pos : pos + span]
        else:
            chars[pos:pos] = rng.choices(_CJK_FILL, k=span)
        budget -= span
    sents = sentences("".join(chars))
    if len(sents) > 2:
        sents.insert(rng.randrange(len(sents)), sents.pop(rng.randrange(len(sents))))
    body = "".join(sents)
    if rng.random() < 0.5:
        body = body.translate(_WIDTH)
    return f"{rng.choice(_CJK_HEAD)}\n{body}\n{rng.choice(_CJK_FOOT)}"


def cjk_excerpt(text: str, rng: random.Random) -> str:
    """A contiguous third of the characters, sentence-aligned, with a CJK header."""
    sents = sentences(text)
    start = rng.randrange(max(1, len(sents) * 2 // 3))
    picked = []
    for s in sents[start:]:
        if sum(map(len, picked)) >= len(text) / 3:
            break
        picked.append(s)
    return f"{rng.choice(_CJK_HEAD)}\n" + "".join(picked)


def same_topic(text: str, other: str, rng: random.Random) -> str:
    """``text`` under ``other``'s headline, quoting 1-2 of its sentences (<= 10% of each)."""
    limit = min(len(words_of(text)), len(words_of(other))) / 10
    quoted = [s for s in sentences(other) if len(words_of(s)) <= limit]
    quotes = rng.sample(quoted, min(len(quoted), rng.randint(1, 2)))
    while sum(len(words_of(q)) for q in quotes) > limit:
        quotes.pop()
    headline = " ".join(words_of(other)[:9])
    paras = paragraphs(text)
    for q in quotes:
        paras.insert(rng.randint(1, len(paras)), f"As reported earlier, “{q}”")
    return f"{headline}\n\n" + "\n\n".join(paras)


def hard_sets(articles: list[Article], seed: int = 7) -> tuple[list[Item], list[Item]]:
    """(indexed items, query items) of the hard set."""
    cjk = [Article(f"cjk-{n}", f"cjk{n // 2}.example", body) for n, body in enumerate(CJK)]
    everything = articles + cjk
    index = indexed_items(everything)
    rng = random.Random(seed)
    vocab = sorted({w for a in articles for w in words_of(a.body) if w.isalpha()})
    long = [a for a in articles if len(words_of(a.body)) >= MIN_EXCERPT_WORDS]
    group = {a.id: n % len(_BOILERPLATES) for n, a in enumerate(rng.sample(long, 60))}
    by_id = {a.id: a for a in everything}
    for article_id, g in sorted(group.items()):
        text = normalise(f"{by_id[article_id].body}\n\n{_BOILERPLATES[g]}")
        index.append(Item(f"{article_id}:{BOILER}", article_id, BOILER, text))
    queries: list[Item] = []

    def add(article: Article, kind: str, text: str) -> None:
        queries.append(Item(f"{article.id}:{kind}", article.id, kind, normalise(text)))

    for n, a in enumerate(articles):
        r = random.Random(seed * 1_000_003 + n)
        if a in long:
            add(a, "excerpt_lead", excerpt_lead(a.body, r))
            add(a, "excerpt_third", excerpt_third(a.body, r))
        add(a, "rewrite", rewrite(a.body, r, vocab))
        add(a, "local_insert", local_insert(a.body, r))
        add(a, "retitle", retitle(a.body, r))
        if len(words_of(a.body)) >= 150:
            mates = [b for b in long if b.host == a.host and b.id != a.id] or long
            other = r.choice([b for b in mates if b.id != a.id])
            add(a, "same_topic", same_topic(a.body, other.body, r))
        if a.id in group:
            add(a, "shared_boiler", f"{a.body}\n\n{_BOILERPLATES[group[a.id]]}")
    for n, a in enumerate(cjk + [a for a in articles if is_cjk(a.body)]):
        for k in range(3):
            r = random.Random(seed * 7919 + n * 31 + k)
            add(a, f"cjk_edit#{k}", cjk_edit(a.body, r))
            add(a, f"cjk_excerpt#{k}", cjk_excerpt(a.body, r))
    return index, queries


def kind_of(item: Item) -> str:
    return item.kind.split("#")[0]


def hard_negatives(index: list[Item], queries: list[Item], hosts: dict[str, str]) -> set:
    """Negative pairs that look alike: same host (site boilerplate, same-topic CJK pairs),
    same-topic probes against every indexed item, shared press boilerplate."""
    pairs = set()
    for q in queries:
        for i in index:
            if q.article == i.article:
                continue
            alike = hosts[q.article] == hosts[i.article] or q.kind == "same_topic"
            if alike or (q.kind == "shared_boiler" and i.kind == BOILER):
                pairs.add((q.id, i.id))
    return pairs


# Four pairs of CJK articles on the same topic (written for this bench; the two of a pair
# share the topic's names, numbers and stock phrases, not their sentences).
CJK = [
    # zh: typhoon, two reports
    "据中央气象台消息，今年第9号台风“海燕”于今天凌晨在广东湛江沿海登陆，登陆时中心附近最大风力"
    "有13级。\n受台风影响，广东、广西、海南等地出现大范围强降雨，部分地区累计雨量超过200毫米。\n"
    "广东省防汛指挥部已启动防风一级应急响应，全省共转移安置群众约15万人，沿海渔船全部回港避风。\n"
    "湛江市区多处道路积水严重，部分小区停电，电力部门正在组织抢修。\n气象专家提醒，台风登陆后将"
    "继续向西北方向移动，强度逐渐减弱，但未来两天广西南部仍有暴雨到大暴雨，请公众注意防范山洪和"
    "地质灾害。",
    "台风“海燕”昨晚至今晨给广东西部带来狂风暴雨。记者在湛江看到，街头大树被连根拔起，不少"
    "广告牌被吹落。\n当地居民陈先生说，他在湛江生活了三十年，很少见到这么大的风，家里的窗户玻璃"
    "被吹碎了两块。\n据广东省应急管理厅介绍，截至目前全省未收到人员伤亡报告，铁路部门停运了途经"
    "湛江的部分列车，湛江机场取消航班八十余架次。\n受台风影响，海南琼州海峡客运航线已全线停航。"
    "\n专家表示，今年登陆我国的台风偏多，建议沿海地区加强防御，做好城市排涝工作。",
    # zh: electric-vehicle sales, two reports
    "中国汽车工业协会今天发布数据显示，今年前三季度新能源汽车产销量分别达到650万辆和630万辆，"
    "同比增长超过三成。\n其中，纯电动汽车销量占比接近七成，插电式混合动力汽车增长更快。\n协会"
    "副秘书长表示，价格下降和充电设施不断完善是销量增长的主要原因，农村市场潜力正在释放。\n出口"
    "方面，新能源汽车出口量同比增长近一倍，主要销往欧洲和东南亚。\n业内人士预计，全年新能源汽车"
    "销量有望突破900万辆，但行业价格战也让部分车企利润承压。",
    "在北京一家新能源汽车门店，销售经理小刘告诉记者，最近到店看车的顾客明显增多，周末一天能卖出"
    "十多辆。\n“很多顾客是第一次买车，他们最关心续航和充电是否方便。”小刘说。\n今年以来，多家"
    "车企下调了新能源汽车售价，部分车型降幅超过两万元。\n与此同时，各地加快建设充电桩，北京"
    "市内公共充电桩数量已超过十万个。\n不过也有消费者担心，电池更换成本较高，二手车保值率偏低，"
    "因此仍在观望。",
    # ja: earthquake, two reports
    "気象庁によりますと、きょう午前10時ごろ、石川県能登地方を震源とする地震があり、輪島市で震度5強"
    "の揺れを観測しました。\n震源の深さは約10キロ、地震の規模を示すマグニチュードは5.8と推定され"
    "ています。\nこの地震による津波の心配はありません。\n気象庁は、揺れの強かった地域では今後1週間"
    "程度、同じ程度の地震に注意するよう呼びかけています。\n北陸電力によりますと、志賀原子力発電所"
    "に異常は確認されていないということです。",
    "能登地方で強い揺れを観測した地震で、輪島市の住民からは不安の声が聞かれました。\n市内の商店街"
    "では、棚から商品が落ちるなどの被害があり、店主の男性は「また大きな地震が来るのではないかと"
    "心配だ」と話していました。\n市によりますと、けが人の情報は今のところ入っておらず、市内の小中"
    "学校は午後の授業を取りやめました。\n北陸新幹線は一時運転を見合わせましたが、点検の結果、"
    "午後には運転を再開しました。\n専門家は、家具の固定や避難経路の確認など、日頃の備えを改めて"
    "確認してほしいとしています。",
    # ja: heat wave, two reports
    "気象庁は、関東甲信地方を中心に厳しい暑さが続くとして、東京都など10の都県に熱中症警戒アラート"
    "を発表しました。\n東京都心では午後2時すぎに最高気温が36度を超え、今年一番の暑さとなりました。"
    "\n総務省消防庁によりますと、先週1週間に熱中症で救急搬送された人は全国で8000人を超えました。\n"
    "気象庁は、エアコンを適切に使用し、こまめに水分や塩分を補給するなど、熱中症の予防に努めるよう"
    "呼びかけています。",
    "記録的な暑さとなった都内では、日傘を差したり、ハンディファンを手にしたりする人の姿が目立ち"
    "ました。\n渋谷駅前で取材に応じた会社員の女性は「少し歩いただけで汗が止まらない。昼休みは外に"
    "出ないようにしている」と話していました。\n都内の公園では、子ども向けの水遊び場が混雑し、家族"
    "連れでにぎわいました。\n一方、高齢者施設では室温の管理を徹底し、職員が入所者に水分補給を"
    "促していました。\n医師は、暑さに慣れていない時期は特に注意が必要だと話しています。",
]


def host_of(article_id: str, hosts: dict[str, str]) -> str:
    """The host of a corpus article, or the made-up one of a CJK article of this module."""
    if article_id in hosts:
        return hosts[article_id]
    return f"cjk{int(article_id.removeprefix('cjk-')) // 2}.example"
