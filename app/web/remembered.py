"""What templates ask for on every page, worked out once rather than on each call.

The same answers as Flask's and Flask-Babel's own helpers, for less work (bench/instructions.py):
- `_()` and its kin find the request's translations once per locale, where Flask-Babel's looks
  them up again (three context look-ups and the locale's name) for every string; and `_()` is
  Jinja's gettext itself, not an alias that calls it through two more `context.call`s;
- `url_for` in templates remembers the addresses it built, per site root, endpoint and values;
- `shared("_site_footer.html")` renders a piece of the layout once per language, site root and
  kind of reader (nobody, a customer, staff), for the parts that depend on nothing else;
- `post_button` is the macro of `_macros.html`, without importing that template on each page.
"""

from functools import lru_cache

from flask import current_app
from flask import g
from flask import render_template
from flask import request
from flask import url_for as flask_url_for
from flask_babel import get_locale
from flask_babel import get_translations
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from app.text import current_language

TRANSLATIONS = "_remembered_translations"


def translations():
    """Flask-Babel's translations for the locale in force (a `force_locale` or `refresh` included)."""
    locale = get_locale()
    if locale is None:
        return get_translations()
    kept = g.get(TRANSLATIONS)
    if kept is None or kept[0] is not locale:
        kept = (locale, get_translations())
        setattr(g, TRANSLATIONS, kept)
    return kept[1]


@pass_context
def gettext_alias(context, string, **variables):
    """`_()` in templates: Jinja's newstyle gettext, called directly rather than through its alias."""
    text = translations().ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


def url_for(endpoint, **values):
    """Flask's url_for; an address with no options (`_external`, `_anchor`...) is built once."""
    if request and request.url_rule is not None and not endpoint.startswith("."):
        try:
            key = tuple((name, type(value), value) for name, value in values.items())
            return _built(request.url_rule.map, request.script_root, endpoint, key)
        except TypeError:  # an option, or a value that cannot be a key (a list)
            pass
    return flask_url_for(endpoint, **values)


@lru_cache(maxsize=4096)
def _built(_map, _script_root, endpoint, key):
    for name, _type, _value in key:
        if name.startswith("_"):  # an option: never kept, the caller builds it each time
            raise TypeError(name)
    return flask_url_for(endpoint, **{name: value for name, _type, value in key})


def shared(template):
    """`template` rendered once per language, site root and kind of reader; it may use nothing else."""
    env = current_app.jinja_env
    # An error page may be built on another root (PUBLIC_URL's); templates being edited are read again.
    if request.url_rule is None or env.auto_reload:
        return Markup(render_template(template))
    user = current_user
    reader = ("staff" if user.is_staff else "customer") if user.is_authenticated else None
    return _shared(env, template, current_language(), request.script_root, reader)


@lru_cache(maxsize=256)
def _shared(_env, template, _language, _script_root, _reader):
    return Markup(render_template(template))


def post_button(*args, **kwargs):
    return current_app.jinja_env.get_template("_macros.html").module.post_button(*args, **kwargs)


def init_app(app):
    env = app.jinja_env
    env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
    env.globals.update(_=gettext_alias, url_for=url_for, shared=shared, post_button=post_button)
