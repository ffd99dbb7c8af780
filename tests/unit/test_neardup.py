"""Near-duplicate signatures: determinism, encoding, and the decisions that matter."""

from __future__ import annotations

import subprocess
import sys

import pytest

from worker.pipeline import neardup, wordhash
from worker.pipeline.neardup import (
    DEFAULT_PARAMS,
    NearParams,
    NearSig,
    band_keys,
    is_near_duplicate,
    near_signature,
    near_signatures,
    shingles,
    similarity,
    tokens,
)
from worker.pipeline.wordhash import word_hashes

# A 300-word vocabulary: two articles drawn from it share few 4-word runs, like real ones.
WORDS = [f"word{n}" for n in range(300)]


def article(seed: int, paragraphs: int = 8, words: int = 60) -> str:
    """A long synthetic article: deterministic word salad, different per seed."""
    state = seed
    paras = []
    for _ in range(paragraphs):
        picked = []
        for _ in range(words):
            state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
            picked.append(WORDS[(state >> 33) % len(WORDS)])
        paras.append(" ".join(picked).capitalize() + ".")
    return " ".join(paras)


ARTICLE = article(1)
OTHER = article(2)


def test_signature_has_num_perm_values_and_shingle_count() -> None:
    sig = near_signature("one two three four five six", DEFAULT_PARAMS)
    assert len(sig.values) == DEFAULT_PARAMS.num_perm
    assert sig.size == 4  # distinct 3-word shingles of six words


def test_signature_is_deterministic_across_processes() -> None:
    # A fresh interpreter with another hash seed must produce the same signature and keys.
    code = (
        "from worker.pipeline.neardup import near_signature, band_keys\n"
        f"s = near_signature({ARTICLE!r})\n"
        "print(s.encode().hex(), band_keys(s))"
    )
    env = {"PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout.split(" ", 1)
    here = near_signature(ARTICLE)
    assert out[0] == here.encode().hex()
    assert out[1].strip() == str(band_keys(here))


def test_encode_decode_roundtrip() -> None:
    sig = near_signature(ARTICLE)
    data = sig.encode()
    assert NearSig.decode(data) == sig
    assert len(data) == 7 + 4 * DEFAULT_PARAMS.num_perm


def test_decode_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        NearSig.decode(near_signature(ARTICLE).encode()[:-1])


def test_band_keys_one_signed_64bit_key_per_band() -> None:
    keys = band_keys(near_signature(ARTICLE))
    assert len(keys) == DEFAULT_PARAMS.bands
    assert all(-(2**63) <= k < 2**63 for k in keys)
    assert len(set(keys)) == len(keys)


def test_band_index_is_mixed_into_the_key() -> None:
    # Equal rows in different bands must not collide: a constant signature shows it.
    sig = NearSig(tuple([7] * DEFAULT_PARAMS.num_perm), size=10)
    assert len(set(band_keys(sig))) == DEFAULT_PARAMS.bands


def test_identical_text_has_similarity_one() -> None:
    assert similarity(near_signature(ARTICLE), near_signature(ARTICLE)) == 1.0
    assert is_near_duplicate(near_signature(ARTICLE), near_signature(ARTICLE)) == (True, 1.0)


def test_reprint_with_header_footer_and_cut_tail_is_near_duplicate() -> None:
    header = "Daily Courier | Home | World | Business | Sport. Advertisement. Share this article."
    footer = "Read also: Markets rally as rates hold. © Daily Courier. All rights reserved."
    cut = ARTICLE[: int(len(ARTICLE) * 0.75)]
    reprint = f"{header} {cut} {footer}"
    original, copy = near_signature(ARTICLE), near_signature(reprint)
    is_dup, score = is_near_duplicate(copy, original)
    assert is_dup, score
    assert set(band_keys(original)) & set(band_keys(copy))  # LSH finds it as a candidate


def test_formatting_changes_do_not_change_the_signature() -> None:
    text = "L’homme a dit « bonjour » et « au revoir », puis il est parti vers la gare du nord."
    restyled = 'l\'homme a dit "Bonjour" et "au revoir" puis il est parti vers la gare du Nord'
    assert near_signature(text) == near_signature(restyled)
    assert tokens("L’homme") == tokens("l'homme") == ["l", "homme"]


def test_different_articles_are_not_near_duplicates() -> None:
    is_dup, score = is_near_duplicate(near_signature(ARTICLE), near_signature(OTHER))
    assert not is_dup
    assert score < 0.2


def test_empty_text_matches_nothing_and_has_no_keys() -> None:
    empty = near_signature("")
    assert empty.size == 0
    assert band_keys(empty) == []  # all empty texts would otherwise share every key
    assert similarity(empty, near_signature("")) == 0.0
    assert similarity(empty, near_signature(ARTICLE)) == 0.0
    assert NearSig.decode(empty.encode()) == empty


def test_short_text_is_one_shingle() -> None:
    # Fewer words than a shingle: the whole text is one shingle, so only the same words
    # (ignoring case and punctuation) match; a different short text scores 0.
    a, b = near_signature("Breaking: fire!"), near_signature("breaking fire")
    assert a.size == 1
    assert similarity(a, b) == 1.0
    assert similarity(a, near_signature("Breaking: flood!")) == 0.0


def test_short_text_inside_long_article_is_not_its_duplicate() -> None:
    # Containment alone would score 1; the size-ratio discount keeps a quoted sentence
    # (or a one-line brief) from being called a copy of the article it appears in.
    sentence = " ".join(ARTICLE.split()[:12])
    is_dup, score = is_near_duplicate(near_signature(sentence), near_signature(ARTICLE))
    assert not is_dup, score


def test_cjk_text_is_shingled_by_character() -> None:
    text = "先日、不正に改造したiPhoneを販売したとして、商標法違反の疑いで男性が逮捕された。"
    assert len(tokens(text)) > 20
    edited = text.replace("男性", "女性")
    assert is_near_duplicate(near_signature(text), near_signature(edited))[0]


def test_excerpt_of_a_third_is_a_near_duplicate() -> None:
    # A contiguous third of the article republished with an outlet's header: Jaccard ~0.3,
    # containment ~1; LSH must make it a candidate and verification must accept it.
    words = ARTICLE.split()
    third = " ".join(words[len(words) // 3 : 2 * len(words) // 3])
    excerpt = f"Metro Herald | Home | World | Business. {third} Read the full story online."
    original, copy = near_signature(ARTICLE), near_signature(excerpt)
    assert set(band_keys(original)) & set(band_keys(copy))
    is_dup, score = is_near_duplicate(copy, original)
    assert is_dup, score


def test_same_topic_article_quoting_another_is_not_its_duplicate() -> None:
    # Another article under the first one's headline, quoting two of its sentences (~6%)
    # and ending with the same press boilerplate: related, not a copy.
    boiler = "About the company: " + article(9, paragraphs=1, words=40)
    words = ARTICLE.split()
    quotes = " ".join(words[60:75]) + " " + " ".join(words[300:315])
    follow_up = f"{' '.join(words[:9])}. {OTHER} As reported earlier, {quotes}. {boiler}"
    is_dup, score = is_near_duplicate(
        near_signature(follow_up), near_signature(f"{ARTICLE} {boiler}")
    )
    assert not is_dup, score
    assert score < 0.3


CJK_ARTICLE = (
    "据中央气象台消息，今年第9号台风“海燕”于今天凌晨在广东湛江沿海登陆，登陆时中心附近最大风力"
    "有13级。受台风影响，广东、广西、海南等地出现大范围强降雨，部分地区累计雨量超过200毫米。"
    "广东省防汛指挥部已启动防风一级应急响应，全省共转移安置群众约15万人，沿海渔船全部回港避风。"
    "湛江市区多处道路积水严重，部分小区停电，电力部门正在组织抢修。"
)


def test_cjk_edit_is_a_near_duplicate() -> None:
    # Characters changed, punctuation made halfwidth, a sentence dropped, a header added.
    edited = (
        "【本报讯】" + CJK_ARTICLE.replace("今天凌晨", "今晨").replace("约15万人", "十五万人")
        .replace("正在组织抢修", "已经组织抢修").replace("，", ",").replace("。", ".")
    )  # fmt: skip
    edited = edited.replace("湛江市区多处道路积水严重,部分小区停电,", "")
    is_dup, score = is_near_duplicate(near_signature(edited), near_signature(CJK_ARTICLE))
    assert is_dup, score


def test_cjk_same_topic_report_is_not_a_near_duplicate() -> None:
    other = (
        "台风“海燕”昨晚至今晨给广东西部带来狂风暴雨。记者在湛江看到，街头大树被连根拔起，不少广告牌"
        "被吹落。据广东省应急管理厅介绍，截至目前全省未收到人员伤亡报告，湛江机场取消航班八十余架次。"
        "受台风影响，海南琼州海峡客运航线已全线停航。"
    )
    is_dup, score = is_near_duplicate(near_signature(other), near_signature(CJK_ARTICLE))
    assert not is_dup, score


def test_params_rows() -> None:
    assert NearParams(shingle=4, num_perm=60, bands=20, threshold=0.5).rows == 3
    assert DEFAULT_PARAMS.bands * DEFAULT_PARAMS.rows <= DEFAULT_PARAMS.num_perm
    assert len(band_keys(near_signature(ARTICLE))) == DEFAULT_PARAMS.bands
    with pytest.raises(ValueError):
        NearParams(shingle=3, num_perm=64, bands=40, threshold=0.5, rows=2)


def test_signature_values_are_pinned() -> None:
    # Stored signatures and band keys outlive processes and upgrades: a new rensa release,
    # seed, tokeniser or hash that changes these values needs a re-index (and a new
    # encoding version), not a silent mismatch. Encoding 3 (issue 14.8: 3-word shingles,
    # 128 values, bands of 2 rows, more CJK code points) changed them on purpose.
    sig = near_signature("The quick brown fox jumps over the lazy dog.")
    assert sig.size == 7
    assert sig.values[:4] == (3282407150, 2380754173, 3484355452, 1498798826)
    assert band_keys(sig)[:2] == [-6883489811762915252, 5725937447628596292]
    assert sig.encode()[0] == 3


def test_signatures_of_different_lengths_are_refused() -> None:
    short = near_signature(ARTICLE, NearParams(shingle=4, num_perm=30, bands=10, threshold=0.5))
    with pytest.raises(ValueError):
        similarity(short, near_signature(ARTICLE))


MIXED = [
    "L’homme a dit « bonjour », puis: iPhoneを販売した 男性が逮捕された。 Straße ÉTÉ",
    "snake_case and digits 123 4,5 — dashes–and‘quotes’ x²y ٣٤ Ⅻ",
    "Один два три четыре пять. שלום עולם. مرحبا بالعالم 漢字かな交じり文",
    "tabs\tand\nnewlines  and\u00a0nbsp and zero\u200bwidth",
    "",
    "!!! ... ???",
]


@pytest.mark.parametrize("text", MIXED)
def test_array_tokeniser_finds_the_reference_words(text: str) -> None:
    # near_signature finds words with array operations; `tokens` is the readable definition.
    words, owner = word_hashes([text.casefold()])
    one_by_one = [word_hashes([word])[0] for word in tokens(text)]
    assert list(words) == [int(w[0]) for w in one_by_one]
    assert set(owner.tolist()) <= {0}


def test_signature_size_counts_the_reference_shingles() -> None:
    for text in [ARTICLE, OTHER, *MIXED]:
        assert near_signature(text).size == len(shingles(tokens(text), DEFAULT_PARAMS.shingle))


def test_a_batch_gives_each_text_its_own_signature() -> None:
    # Texts are processed joined; no shingle may span two of them, short ones included.
    texts = [ARTICLE, "Breaking: fire!", "", OTHER, "one two three four", *MIXED]
    assert near_signatures(texts) == [near_signature(t) for t in texts]
    assert near_signatures([]) == []


def test_long_batches_are_signed_in_groups_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = [ARTICLE, OTHER, "Breaking: fire!", ARTICLE[:900], "", OTHER[::-1]]
    whole = near_signatures(texts)
    monkeypatch.setattr(neardup, "GROUP_CHARS", 1000)  # most texts alone, short ones together
    assert len(neardup._groups(texts, 1000)) >= 4
    assert near_signatures(texts) == whole == [near_signature(t) for t in texts]


@pytest.mark.parametrize("n", [0, 1, 2, 1023, 1024, 1025, 5000])
def test_powers_by_blocks_are_the_running_product(n: int) -> None:
    for base in (wordhash._CHAR_BASE, wordhash._CHAR_INVERSE):
        expected = [pow(base, p, 2**64) for p in range(n)]
        assert wordhash._powers(base, n).tolist() == expected


def test_every_unicode_character_tokenises_like_the_reference() -> None:
    # All code points, in chunks mixing classes: boundaries must agree everywhere.
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    for start in range(0, len(every), 50_000):
        chunk = every[start : start + 50_000]
        words, _ = word_hashes([chunk.casefold()])
        assert len(words) == len(tokens(chunk)), start


def test_batch_verification_agrees_with_similarity() -> None:
    """``similarities`` over stored bytes gives exactly ``similarity``'s scores; signatures
    of another encoding or length are left out rather than misread."""
    import random

    from worker.pipeline.nearbatch import signature_matrix, similarities
    from worker.pipeline.neardup import similarity

    rng = random.Random(5)
    words = [f"w{n}" for n in range(300)]
    base = [rng.choice(words) for _ in range(400)]
    texts = [" ".join(base)]
    for cut in (0.05, 0.2, 0.35, 0.5, 0.7, 0.9):
        edited = [w if rng.random() > cut else rng.choice(words) for w in base]
        texts.append(" ".join(edited[: rng.randint(30, 400)]))
    texts += ["", "one two", " ".join(rng.choice(words) for _ in range(50))]
    sigs = neardup.near_signatures(texts)
    stored = [s.encode() for s in sigs]
    blobs = [b"\x02junk", stored[0][:-4], *stored]  # an old version, a truncated one
    kept, values, sizes = signature_matrix(blobs, len(sigs[0].values))
    assert kept == list(range(2, len(blobs)))
    for sig in sigs:
        expected = [similarity(sig, other) for other in sigs]
        assert similarities(sig, values, sizes).tolist() == expected


def test_signatures_of_one_length_are_read_as_the_loop_reads_them() -> None:
    """The array reading of same-length blobs keeps what ``NearSig.decode`` can read and
    leaves out a blob of another version or permutation count that happens to be as long."""
    from worker.core.near import NearSig
    from worker.pipeline.nearbatch import signature_matrix

    sigs = neardup.near_signatures(["alpha beta gamma delta", "one two three four five", "x"])
    blobs = [s.encode() for s in sigs]
    other_version = bytes([blobs[0][0] + 1]) + blobs[0][1:]
    other_count = blobs[1][:1] + (127).to_bytes(2, "little") + blobs[1][3:]  # says 127 values
    mixed = [blobs[0], other_version, blobs[1], other_count, blobs[2]]
    kept, values, sizes = signature_matrix(mixed, 128)
    assert kept == [0, 2, 4]
    decoded = [NearSig.decode(mixed[i]) for i in kept]
    assert values.tolist() == [list(d.values) for d in decoded]
    assert sizes.tolist() == [float(d.size) for d in decoded]
