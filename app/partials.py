"""Answering htmx with a fragment and everyone else with the whole page."""

from flask import make_response
from flask import render_template
from flask import request


def render_page_or_fragment(page, fragment, target=None, **context):
    """Render `fragment` for an htmx request (aimed at `target`, if given), else `page`.

    Both render the same fragment template, so there is one copy of the markup;
    `Vary: HX-Request` keeps caches from serving one in place of the other.
    """
    wants_fragment = bool(request.htmx) and (target is None or request.htmx.target == target)
    response = make_response(render_template(fragment if wants_fragment else page, **context))
    response.vary.add("HX-Request")
    return response
