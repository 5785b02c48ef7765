"""Khmer and Chinese pages are drawn in real letters, not in the boxes of missing glyphs."""

import pytest
from support.helpers import translated

# Widths of a few letters in the page's own font, and of a code point no font draws (its box).
MEASURE = """letters => {
  const pen = document.createElement("canvas").getContext("2d");
  pen.font = getComputedStyle(document.querySelector("h1")).font;
  const width = text => pen.measureText(text).width;
  return {letters: [...letters].map(width), box: width("\\u{10FFFD}")};
}"""

SAMPLES = {"km": "កខគងចញដណតនបមយរលសហអ", "zh": "套餐流量续费到期支付"}


@pytest.mark.parametrize("lang", ["km", "zh"])
def test_the_page_has_a_font_for_its_language(live_server, phone, lang):
    page = phone(locale=lang)
    page.goto(f"{live_server.base_url}/?lang={lang}")
    assert translated(live_server, lang, "Prepaid eSIM for Cambodia") in page.inner_text("h1")
    drawn = page.evaluate(MEASURE, SAMPLES[lang])
    boxes = [width for width in drawn["letters"] if abs(width - drawn["box"]) < 0.01]
    assert len(boxes) < len(drawn["letters"]) / 2, (
        f"{lang} letters are drawn as missing-glyph boxes: install the fonts "
        "(Debian: apt-get install fonts-noto-core fonts-wqy-microhei)"
    )
    if lang == "km":  # Khmer letters differ in width; boxes (or one stand-in glyph) do not
        assert len({round(width, 1) for width in drawn["letters"]}) > 3, drawn
