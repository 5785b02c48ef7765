"""Three languages: choosing one, formatting for it, and complete catalogs."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from helpers import translated

from app.config import PROJECT_ROOT

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _lang(html):
    return re.search(r'<html lang="([^"]+)"', html).group(1)


@pytest.mark.parametrize("lang,html_lang", [("en", "en"), ("km", "km"), ("zh", "zh-Hans")])
def test_lang_parameter_switches_the_language_and_sticks(client, app, lang, html_lang):
    html = client.get(f"/?lang={lang}").get_data(as_text=True)
    assert _lang(html) == html_lang
    assert translated(app, lang, "Prepaid eSIM for Cambodia") in html
    # The choice is remembered in a cookie for the next page.
    assert _lang(client.get("/login").get_data(as_text=True)) == html_lang


@pytest.mark.parametrize(
    "header,expected",
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-Hans"),
        ("km-KH,km;q=0.9", "km"),
        ("fr-FR,fr;q=0.9", "en"),
        ("fr-FR,km;q=0.5", "km"),
    ],
)
def test_accept_language_is_negotiated(client, header, expected):
    html = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert _lang(html) == expected


def test_an_explicit_switch_beats_accept_language(client):
    html = client.get("/?lang=km", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert _lang(html) == "km"


def test_a_switch_while_logged_in_is_saved_to_the_profile(client, auth, seeded):
    auth.login()
    client.get("/dashboard?lang=zh")
    client.delete_cookie("lang", domain="localhost")
    assert _lang(client.get("/dashboard").get_data(as_text=True)) == "zh-Hans"


def test_every_page_offers_each_language_named_in_itself(client):
    html = client.get("/login").get_data(as_text=True)
    for name in ("English", "ភាសាខ្មែរ", "中文"):
        assert f">{name}</a>" in html


@pytest.mark.parametrize("lang", ["en", "km", "zh"])
def test_prices_are_formatted_for_the_locale(client, seeded, lang):
    html = client.get(f"/?lang={lang}").get_data(as_text=True)
    babel_locale = {"zh": "zh_Hans"}.get(lang, lang)
    assert format_currency(5, "USD", locale=babel_locale) in html


def _catalog(lang):
    with open(PROJECT_ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


@pytest.mark.parametrize("lang", ["km", "zh"])
def test_catalog_is_complete_and_not_fuzzy(lang):
    catalog = _catalog(lang)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated or fuzzy: {ids[0]!r}")
        elif any(set(PLACEHOLDER.findall(s)) != set(PLACEHOLDER.findall(ids[0])) for s in strings):
            problems.append(f"placeholders differ: {ids[0]!r}")
    assert not problems, "\n".join(problems)


def test_every_marked_string_is_in_the_catalogs(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    for lang in ("km", "zh"):
        have = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(lang) if m.id}
        missing = sorted(wanted - have)
        assert not missing, f"{lang} lacks: {missing[:10]}"


def test_compiled_catalogs_are_fresh():
    for lang in ("km", "zh"):
        folder = Path(PROJECT_ROOT / "translations" / lang / "LC_MESSAGES")
        mo, po = folder / "messages.mo", folder / "messages.po"
        assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, (
            f"run: flask translate compile ({lang})"
        )
