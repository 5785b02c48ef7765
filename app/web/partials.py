"""Answering htmx with a fragment and everyone else with the whole page."""

from flask import make_response
from flask import redirect
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
    if wants_fragment:
        # A poll that finds nothing new costs a 304 and no body.
        response.cache_control.no_cache = True
        response.cache_control.private = True
        response.add_etag()
        response.make_conditional(request)
    return response


def redirect_away(url):
    """Send the browser to `url`: a 303, or for htmx (a poll) HX-Redirect, so the whole page moves."""
    if request.htmx:
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)
