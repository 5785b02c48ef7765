"""The header and footer every page shares: kept once per language, yet right for each reader."""

from html.parser import HTMLParser

import pytest
from support.helpers import Auth
from support.helpers import in_app
from support.helpers import translated

from app.models import Esim
from app.models import utcnow
from app.services.demo import DEMO_ICCID

AGENT = ("agent@example.com", "agent-pass-1234")


def _header(html):
    return html.split("<header>", 1)[1].split('<nav class="langs"', 1)[0]


def test_the_header_follows_the_language_and_who_is_reading(client, seeded):
    visitor = _header(client.get("/?lang=km").get_data(as_text=True))
    assert translated(seeded, "km", "Log in") in visitor
    assert _header(client.get("/?lang=en").get_data(as_text=True)).count("Log in") == 1

    Auth(client).login()
    customer = _header(client.get("/dashboard").get_data(as_text=True))
    assert "My eSIMs" in customer and "Log out" in customer
    assert "Log in" not in customer and "Customer support" not in customer
    # One word for the orders page: the header's link is the page's own title (the glossary's word).
    for lang in ("en", "km", "zh"):
        records = translated(seeded, lang, "Transaction records")
        assert f'<a href="/orders">{records}</a>' in _header(
            client.get(f"/dashboard?lang={lang}").get_data(as_text=True)
        )
        assert f"<h1>{records}</h1>" in client.get("/orders").get_data(as_text=True)
    client.get("/dashboard?lang=en")
    Auth(client).logout()

    Auth(client).login(*AGENT)
    agent = _header(client.get("/support?lang=zh").get_data(as_text=True))
    assert translated(seeded, "zh", "Customer support") in agent
    assert translated(seeded, "zh", "My eSIMs") not in agent


def test_each_page_gets_its_own_csrf_token_and_language_links(client, seeded):
    first = client.get("/compatibility?q=pixel").get_data(as_text=True)
    assert 'href="/compatibility?q=pixel&amp;lang=km"' in first
    other = client.get("/login").get_data(as_text=True)
    assert 'href="/login?lang=zh"' in other
    mounted = client.get("/login", environ_overrides={"SCRIPT_NAME": "/esim"}).get_data(as_text=True)
    assert 'href="/esim/login?lang=zh"' in mounted  # under a proxy's prefix too
    assert 'href="/esim/static/app.css?v=' in mounted
    Auth(client).login()
    page = client.get("/dashboard").get_data(as_text=True)
    token = page.split('"X-CSRFToken": "', 1)[1].split('"', 1)[0]
    assert f'name="csrf_token" value="{token}"' in _header(page)


@pytest.mark.parametrize(
    ("minutes_ago", "text"),
    [
        (10, "Updated 10 minutes ago"),
        (185, "Updated 3 hours ago"),
        (2 * 24 * 60, "Updated 2 days ago"),
        (int(5.9 * 24 * 60), "Updated 6 days ago"),  # not yet "1 week"
    ],
)
def test_the_usage_reading_says_how_old_it_is(client, auth, seeded, monkeypatch, minutes_ago, text):
    from datetime import timedelta

    from app.services import usage

    monkeypatch.setattr(usage, "FRESH_FOR", timedelta(days=30))  # keep the old reading
    read_at = utcnow() - timedelta(minutes=minutes_ago)
    in_app(seeded, lambda: Esim.update(usage_read_at=read_at).where(Esim.iccid == DEMO_ICCID).execute())
    auth.login()
    assert text in client.get("/dashboard").get_data(as_text=True)


class _HtmxControls(HTMLParser):
    """Elements that ask the server with htmx, split into those a person triggers and polling ones."""

    def __init__(self):
        super().__init__()
        self.tapped, self.polling, self.busy_bar = [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = {name.removeprefix("data-"): value for name, value in attrs}
        if attrs.get("id") == "busy":
            self.busy_bar = True
        if "hx-get" not in attrs and "hx-post" not in attrs:
            return
        trigger = attrs.get("hx-trigger", "")
        polling = trigger.startswith("every")
        (self.polling if polling else self.tapped).append(attrs)


def test_every_htmx_control_shows_progress_and_is_disabled_while_it_runs(client, auth, seeded):
    auth.login()
    esim_id = in_app(seeded, lambda: Esim.get(Esim.iccid == DEMO_ICCID).id)
    seen = 0
    for url in ["/dashboard", f"/esims/{esim_id}/renew", "/compatibility", "/buy"]:
        controls = _HtmxControls()
        controls.feed(client.get(url).get_data(as_text=True))
        assert controls.busy_bar, url
        for attrs in controls.tapped:
            # A form whose fields are still to be submitted keeps them enabled (a disabled field
            # is not sent): a second tap replaces the request under way instead.
            assert attrs.get("hx-disabled-elt") or "replace" in attrs.get("hx-sync", ""), (url, attrs)
            assert "#busy" in attrs.get("hx-indicator", "#busy"), (url, attrs)
        # Background polls keep the bar for what a person asked for.
        assert all(attrs.get("hx-indicator") == "this" for attrs in controls.polling), url
        seen += len(controls.tapped)
    assert seen >= 4
