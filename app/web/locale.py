"""The reader's language: chosen per request, switched by `?lang=`, and the switcher's links."""

from urllib.parse import parse_qsl
from urllib.parse import urlencode

from flask import current_app
from flask import g
from flask import request
from flask import session
from flask import url_for
from flask_babel import refresh
from flask_login import current_user

from app.extensions import babel
from app.labels import LANGUAGES
from app.text import current_language
from app.web.redirects import safe_next

HTML_LANG = {"en": "en", "km": "km", "zh": "zh-Hans"}
LANG_COOKIE = "lang"
SHOWN_LANGUAGE = "lang"


def select_locale():
    """Explicit switch > this browser's choice > profile > cookie > Accept-Language > English.

    A profile save, a login and a logout also set this browser's choice (choose), so the most recent
    deliberate choice is the one in force."""
    switched = g.get("lang_switch") or session.get(SHOWN_LANGUAGE)
    if switched in LANGUAGES:
        return switched
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    return negotiate(request.headers.get("Accept-Language", ""))[0]


TRADITIONAL = ("tw", "hk", "mo", "hant")


def _preferences(header):
    """The header's language tags, most wanted first (by quality, then by their order)."""
    wanted = []
    for position, part in enumerate((header or "").split(",")[:32]):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            wanted.append((-quality, position, tag.strip().lower().replace("_", "-")))
    return [tag for _q, _p, tag in sorted(wanted)]


def negotiate(header):
    """(language, traditional) for an Accept-Language header.

    Region and script tags fold onto our languages (zh-CN, zh-SG, zh-Hans → zh;
    km-KH → km; en-GB → en), in the order the reader asked for them. Traditional
    Chinese (zh-TW, zh-HK, zh-Hant) gets our Simplified Chinese, and `traditional`
    says so, so the page can tell them in a line.
    """
    for tag in _preferences(header):
        parts = tag.split("-")
        if parts[0] in LANGUAGES:
            return parts[0], parts[0] == "zh" and any(p in TRADITIONAL for p in parts[1:])
    return "en", False


def reads_traditional_chinese():
    """True on a page shown in Simplified Chinese to a reader whose browser asked for Traditional."""
    if current_language() != "zh" or not request:
        return False
    language, traditional = negotiate(request.headers.get("Accept-Language", ""))
    return language == "zh" and traditional


def choose(lang):
    """A deliberate choice for this browser (a tap on the bar, a profile save, the language kept across
    login and logout): the session shows it from this request on, and the cookie keeps it."""
    if lang not in LANGUAGES:
        return
    g.lang_switch = lang
    if session.get(SHOWN_LANGUAGE) != lang:
        session[SHOWN_LANGUAGE] = lang
    refresh()  # flask-babel keeps the locale it chose for this request


def deliberate_choice():
    """The language this browser shows by someone's choice (session, then profile, then cookie), or None
    when it follows Accept-Language: what login and logout keep."""
    for lang in (g.get("lang_switch"), session.get(SHOWN_LANGUAGE)):
        if lang in LANGUAGES:
            return lang
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    cookie = request.cookies.get(LANG_COOKIE)
    return cookie if cookie in LANGUAGES else None


def _remember_switch():
    """`?lang=` changes the language shown in this browser (session and cookie) and nothing else:
    a GET, even one made by another site's <img>, never changes the language of a customer's emails."""
    lang = request.args.get("lang")
    if lang not in LANGUAGES:
        return
    g.lang_switch = lang
    if session.get(SHOWN_LANGUAGE) != lang:
        session[SHOWN_LANGUAGE] = lang


def _set_cookie(response):
    if g.get("lang_switch"):
        response.set_cookie(
            LANG_COOKIE,
            g.lang_switch,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def language_links():
    """The switcher's links: (code, name, this page in that language, whether it is the active one).

    The page's address is built from its route, never copied from the request: a raw path such as
    `/\\evil.example` would make a link a browser reads as another site. Without a route (a 404),
    the links lead to the home page.
    """
    path = None
    if request.url_rule is not None and request.endpoint is not None:
        path = safe_next(url_for(request.endpoint, **(request.view_args or {})), None)
    if path is None:
        return _language_links(url_for("plans.index"), b"", current_language())
    return _language_links(path, request.query_string, current_language())


def _language_links(path, query_string, active):
    args = {}
    for name, value in parse_qsl(query_string.decode("utf-8", "replace"), keep_blank_values=True):
        args.setdefault(name, []).append(value)
    links = []
    for code, name in LANGUAGES.items():
        args["lang"] = [code]
        links.append((code, name, path + "?" + urlencode(args, doseq=True), code == active))
    return tuple(links)


def html_lang():
    """The page's lang attribute: BCP 47, so Chinese names its script."""
    return HTML_LANG[current_language()]


def init_app(app):
    babel.init_app(app, locale_selector=select_locale)
    app.before_request(_remember_switch)
    app.after_request(_set_cookie)
