"""The landing page shows the catalogue to anyone, small and compressed."""

import gzip


def test_landing_lists_every_plan_kind_with_prices(client, seeded):
    html = client.get("/").get_data(as_text=True)
    for heading in ("Daily plans", "Monthly plans", "Yearly plans"):
        assert heading in html
    assert "30 days · 10 GB · 100 minutes" in html
    assert "$5.00" in html
    assert "1,200 minutes" in html


def test_landing_is_sent_compressed(client, seeded):
    response = client.get("/", headers={"Accept-Encoding": "br, gzip"})
    assert response.headers["Content-Encoding"] == "br"
    plain = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert plain.headers["Content-Encoding"] == "gzip"
    assert len(gzip.decompress(plain.data)) > len(plain.data) * 2


def test_static_files_are_fingerprinted_and_cached_for_a_year(client):
    html = client.get("/").get_data(as_text=True)
    css = html.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    assert "?v=" in css
    response = client.get(css)
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=31536000" in response.headers["Cache-Control"]


def test_each_plan_card_leads_to_its_price_on_the_buy_page(client, seeded):
    html = client.get("/").get_data(as_text=True)
    card = html.split('href="/buy?plan=month-10gb#price"', 1)[1].split("</a>", 1)[0]
    assert "30 days · 10 GB · 100 minutes" in card and "$5.00" in card
    page = client.get("/buy?plan=month-10gb").get_data(as_text=True)
    assert 'value="month-10gb" checked' in page
    summary = page.split('id="summary"', 1)[1].split("</section>", 1)[0]
    assert '<h2 id="price">' in summary and "$5.00" in summary
