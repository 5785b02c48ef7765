"""`{% samefor %}`: parts of the layout that read the same for everyone in one language.

    {% samefor "header", current_user.role %} ... {% endsamefor %}

renders its body once per app, language, name and variant, and serves that text
afterwards. The header, footer and asset links of every page are built from a
dozen translated strings and links; rendering them again for each request was
a third of a small page's time. The body must depend on nothing but the active
language and the variant: never on the request, the user's own data or a CSRF
token. With template auto-reload on (development) nothing is kept.
"""

from flask import request
from flask_babel import get_locale
from jinja2 import nodes
from jinja2.ext import Extension
from markupsafe import Markup

MAX_FRAGMENTS = 256


class SameForLanguage(Extension):
    tags = {"samefor"}

    def __init__(self, environment):
        super().__init__(environment)
        environment.extend(layout_fragments={})

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        key = [parser.parse_expression()]
        key.append(parser.parse_expression() if parser.stream.skip_if("comma") else nodes.Const(None))
        body = parser.parse_statements(("name:endsamefor",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_fragment", key), [], [], body).set_lineno(lineno)

    def _fragment(self, name, variant, caller):
        if self.environment.auto_reload:
            return caller()
        fragments = self.environment.layout_fragments
        # Links are built under the root the app is mounted at.
        key = (name, variant, str(get_locale()), request.script_root)
        text = fragments.get(key)
        if text is None:
            text = Markup(caller())
            # A few parts in three languages; an app mounted under many roots at once is
            # served uncached beyond this rather than letting the store grow.
            if len(fragments) < MAX_FRAGMENTS:
                fragments[key] = text
        return text
