"""Every route, every role, malformed input: no server error, and nothing half-written.

Each endpoint in the URL map is called with odd ids and tokens, and every form with
empty, oversized, control-character, Unicode and out-of-range values. A refusal (4xx)
or a form shown again (200 to a POST) must leave every table's row count as it was.
"""

import re

import pytest
from support.helpers import Auth
from support.helpers import browser
from support.helpers import in_app
from support.helpers import translated

from app.models import ALL_MODELS
from app.models import User

IDS = ["1", "0", "9223372036854775807", "9223372036854775808"]
# Page cursors in query strings, beyond what a database id can be (SQLite fails on them).
CURSORS = {name: "9223372036854775808" for name in ("before", "orders_before", "log_before")}
# A multipart body whose parts have no name (Werkzeug names them None), one a file.
NAMELESS_PARTS = (
    b"--fuzz\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n"
    b'--fuzz\r\nContent-Disposition: form-data; filename="x.txt"\r\n\r\nfile\r\n--fuzz--\r\n'
)
TOKENS = ["x", "%E2%80%AE%00", "a" * 300, "eyJ1aWQiOjF9.forged.sig"]
FIELDS = [
    "email",
    "password",
    "confirm",
    "current",
    "plan",
    "promo",
    "language",
    "name",
    "phone",
    "note",
    "amount",
    "reason",
    "esim",
    "q",
    "action",
    "method",
    "pay_with",
]
VALUES = [
    "",
    "\x00\r\nBcc: x@example.com",
    "🙂" * 60 + "ខ្មែរ中文",
    "x" * 5000,
    "-1",
    "1e400",
    "99999999999999999999999",
    "<script>alert(1)</script>",
    "demo@example.com",
]
# Answers that may write on purpose even when they show a page: showing an agent an activation
# code writes its audit entry, and a webhook acknowledges what it records.
WRITES_ON_PURPOSE = {"support.reveal_activation_code"}
SKIPPED = {"static"}


def _urls(app):
    """Every rule with each odd value in its arguments: (endpoint, methods, url)."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED:
            continue
        arguments = sorted(rule.arguments)
        samples = IDS if "<int:" in rule.rule else TOKENS
        for value in samples if arguments else [None]:
            url = rule.rule
            for name in arguments:
                url = re.sub(rf"<(?:[^:>]+:)?{name}>", value, url)
            yield rule.endpoint, rule.methods - {"HEAD", "OPTIONS"}, url


def _counts():
    """Every table's row count, read in one query."""
    from app.extensions import db

    tables = [model._meta.table_name for model in ALL_MODELS]
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {table})" for table in tables)
    return dict(zip(tables, db.execute_sql(sql).fetchone(), strict=True))


def _token(client):
    html = client.get("/profile" if client.get("/profile").status_code == 200 else "/login").get_data(
        as_text=True
    )
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    return match.group(1) if match else ""


@pytest.mark.parametrize("role", ["visitor", "customer", "agent"])
def test_no_route_answers_500_or_writes_half_a_row(seeded, role):
    client = browser(seeded, "198.51.100.7")
    if role == "customer":
        Auth(client).login()
    elif role == "agent":
        Auth(client).login("agent@example.com", "agent-pass-1234")
    token = _token(client)
    failures = []
    for endpoint, methods, url in _urls(seeded):
        if endpoint in ("auth.logout", "auth.logout_everywhere"):
            continue  # they end the fuzzing session itself; covered by their own tests
        for method in sorted(methods):
            # Four rounds: the values rotate over the fields, so each field gets several of them.
            for n, value in enumerate(VALUES[:4]):
                if method == "GET":
                    query = {"q": value, "lang": value[:8], "next": value, **CURSORS}
                    response = client.get(url, query_string=query)
                    if response.status_code >= 500:
                        failures.append((method, url, value[:30], response.status_code))
                    break
                data = {field: VALUES[(n + i) % len(VALUES)] for i, field in enumerate(FIELDS)}
                data["csrf_token"] = token
                before = in_app(seeded, _counts)
                response = client.post(url, data=data)
                after = in_app(seeded, _counts)
                status = response.status_code
                if status >= 500:
                    failures.append((method, url, value[:30], status))
                elif (status >= 400 or status == 200) and endpoint not in WRITES_ON_PURPOSE:
                    changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
                    if changed:
                        failures.append((method, url, value[:30], status, changed))
            if method == "POST":
                before = in_app(seeded, _counts)
                response = client.post(
                    url, data=NAMELESS_PARTS, content_type="multipart/form-data; boundary=fuzz"
                )
                if response.status_code != 400 or in_app(seeded, _counts) != before:
                    failures.append((method, url, "nameless multipart part", response.status_code))
    assert failures == []


@pytest.mark.parametrize("kept", [None, "", 12, ["a", "b"], {"uid": 1}])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_reset_page_without_a_usable_token_in_the_session_says_the_link_expired(seeded, kept, method):
    """A bookmark, a reload, a second tab: the session has no reset token, or an odd one."""
    client = browser(seeded)
    token = _token(client)
    if kept is not None:
        with client.session_transaction() as session:
            session["reset_token"] = kept
    response = client.open("/reset-password", method=method, data={"csrf_token": token, "password": "x" * 12})
    assert response.status_code == 302 and response.location.endswith("/forgot-password")
    assert "expired or was already used" in client.get(response.location).get_data(as_text=True)


def test_huge_page_cursors_show_the_first_page(seeded):
    customer = browser(seeded)
    Auth(customer).login()
    assert customer.get("/orders", query_string={"before": 2**63}).status_code == 200
    agent = browser(seeded)
    Auth(agent).login("agent@example.com", "agent-pass-1234")
    person = in_app(seeded, User.by_email, "demo@example.com")
    for cursors in ({"orders_before": 2**63, "log_before": 2**64}, {"orders_before": -1, "log_before": "x"}):
        assert agent.get(f"/support/customers/{person.id}", query_string=cursors).status_code == 200


@pytest.mark.parametrize("url", ["/login", "/webhooks/stripe", "/profile"])
def test_a_nameless_multipart_part_gets_the_translated_400_page(seeded, url):
    client = browser(seeded)
    client.get("/?lang=zh")
    response = client.post(url, data=NAMELESS_PARTS, content_type="multipart/form-data; boundary=fuzz")
    assert response.status_code == 400
    assert translated(seeded, "zh", "Something was wrong with that request") in response.get_data(
        as_text=True
    )
