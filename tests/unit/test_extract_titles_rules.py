"""The general title clean-ups of ``title_rules``: slug-confirmed segments, stray
separators, kickers set in an element of their own."""

from __future__ import annotations

from worker.pipeline.extract.title_rules import (
    slug_segment,
    strip_brand,
    strip_cjk_site,
    trim_separators,
    typographic,
    uncut,
    without_kicker,
)


def test_slug_picks_the_segment_it_spells() -> None:
    raw = ["Alles Neue mach der Mai… | Bibliothek 2.0 und mehr"]
    url = "http://example.org/2014/05/18/alles-neue-mach-der-mai/"
    assert slug_segment(raw, url) == "Alles Neue mach der Mai…"


def test_slug_spells_umlauts_out_and_ends_in_an_id() -> None:
    raw = ["Der Verband im Porträt | Verband (GV)"]
    assert slug_segment(raw, "https://example.de/a/der-verband-im-portraet-775") == (
        "Der Verband im Porträt"
    )


def test_slug_that_spells_no_segment_or_the_whole_title_picks_nothing() -> None:
    assert slug_segment(["Some Story - Site"], "https://example.org/other-thing") == ""
    assert slug_segment(["Some Story"], "https://example.org/some-story") == ""
    assert slug_segment(["Some Story - Site"], None) == ""


def test_trim_separators_at_the_ends_only() -> None:
    assert trim_separators("» Jens Weber") == "Jens Weber"
    assert trim_separators("Rail Enquiries -") == "Rail Enquiries"
    assert trim_separators("«Gute Löhne»") == "«Gute Löhne»"
    assert trim_separators("A - B") == "A - B"


def test_kicker_in_its_own_element_is_dropped() -> None:
    title = "Klimaschutz: Bohren, bis es heiß wird"
    parts = [["Klimaschutz:", "Bohren, bis es heiß wird"]]
    said = ["Bohren, bis es heiß wird"]
    assert without_kicker(title, [title], parts, said) == "Bohren, bis es heiß wird"
    title = "Corona - „Es kommt darauf an“"
    parts = [["Corona", "-", "„Es kommt darauf an“"]]
    assert without_kicker(title, [title], parts, [title]) == "„Es kommt darauf an“"


def test_heading_in_one_element_keeps_its_kicker() -> None:
    title = "Kim Jong Un: Der Diktator ist zurück"
    assert without_kicker(title, [title], [[title]], ["Der Diktator ist zurück"]) == title


def test_colon_kicker_stays_unless_a_title_says_the_rest() -> None:
    title = "Tanz: Mit allen Wassern gewaschen"
    parts = [["Tanz:", "Mit allen Wassern gewaschen"]]
    assert without_kicker(title, [title], parts, [title]) == title
    parts = [["Tanz", "Mit allen Wassern gewaschen"]]  # no colon, no dash: not a kicker
    assert without_kicker(title, [title], parts, ["Mit allen Wassern gewaschen"]) == title


def test_displayed_headline_loses_only_a_kicker_the_slug_leaves_out() -> None:
    shown = ["Einheit der Woche | Lagen-Pyramide mit GA2"]
    url = "https://example.de/training/lagen-pyramide-mit-ga2/"
    assert slug_segment(shown, url, ending=True) == "Lagen-Pyramide mit GA2"
    shown = ["Energy Rising – 33 Tage Yoga Challenge"]  # the slug drops a clause: kept whole
    assert slug_segment(shown, "https://example.com/yoga/energy-rising", ending=True) == ""
    shown = ["Take C.A.R.E. - comwrap auf der DMEXCO 2018"]  # more than a kicker's words
    url = "https://blog.example.com/comwrap-auf-der-dmexco-2018"
    assert slug_segment(shown, url, ending=True) == ""


def test_slug_keeps_a_number_that_ends_the_headline() -> None:
    raw = ["Home | Reflections on Python 3"]
    url = "https://example.com/blog/reflections-on-python-3/"
    assert slug_segment(raw, url) == "Reflections on Python 3"


def test_brand_segment_spelling_the_domain_label_is_stripped() -> None:
    assert strip_brand("Was ist Freie Software - MyOOS Community Forum", "myoos") == (
        "Was ist Freie Software"
    )
    # A short label, or a segment as long as the rest, may be the story's own words.
    assert strip_brand("BBC staff strike - BBC News", "bbc") == "BBC staff strike - BBC News"
    assert strip_brand("Tesla shares fall - Tesla", "tesla") == "Tesla shares fall"
    assert strip_brand("Tesla Model Y review", "tesla") == "Tesla Model Y review"


def test_typographic_spelling_wins_over_its_ascii_copy() -> None:
    ascii_ = "Januar - Mai 2020"
    assert typographic(ascii_, [ascii_, "Januar – Mai 2020"]) == "Januar – Mai 2020"
    assert typographic("Sazerac - alles", ["Sazerac! Alles"]) == "Sazerac - alles"


def test_bare_kicker_element_stays() -> None:
    # "Kicker: headline" in the titles makes kicker and headline one headline.
    h1 = "Nach Corona-Lockerungen Autohäuser rechnen mit Anlaufen"
    parts = [["Nach Corona-Lockerungen", "Autohäuser rechnen mit Anlaufen"]]
    titles = ["Corona-Lockerungen: Autohäuser rechnen mit Anlaufen"]
    assert without_kicker(h1, [h1], parts, titles) == h1


def test_a_title_cut_at_an_unescaped_quote_is_the_longer_one() -> None:
    cut = "Senador republicano califica a Biden de "
    whole = 'Senador republicano califica a Biden de "incapacitado"'
    assert uncut([cut, cut, whole]) == [whole, whole, whole]
    # A shorter title that another merely goes on from (a site's name after it) stays.
    assert uncut(["Budget vote", "Budget vote - The Daily"]) == [
        "Budget vote",
        "Budget vote - The Daily",
    ]


def test_a_chinese_site_name_after_a_bare_dash_is_stripped() -> None:
    assert strip_cjk_site("武汉的声音：有英勇的你，才有英雄的城！-新华网") == (
        "武汉的声音：有英勇的你，才有英雄的城！"
    )
    assert strip_cjk_site("话剧巡演结束_中国新闻网") == "话剧巡演结束"
    assert strip_cjk_site("话剧巡演结束 - 人民网 ") == "话剧巡演结束"


def test_a_net_that_is_no_site_stays() -> None:
    assert strip_cjk_site("专家：加快发展-互联网") == "专家：加快发展-互联网"  # the internet
    assert strip_cjk_site("暴雨过后抢修-电网") == "暴雨过后抢修-电网"  # one character: a grid
    assert strip_cjk_site("蔡健雅_百度百科") == "蔡健雅_百度百科"  # no 网 at the end
    assert strip_cjk_site("Der Titel - 新华网") == "Der Titel - 新华网"  # not a Chinese headline
    assert strip_cjk_site("-新华网") == "-新华网"  # nothing before it
