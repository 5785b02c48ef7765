"""What a person does in the browser, as small steps the journeys share."""

from app.config import PROJECT_ROOT
from app.services import demo

ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    # A full-page capture can leave the page scrolled past its end, to be pulled back at the next
    # layout (maybe between a press and a release); the reader's own position is put back at once.
    where = page.evaluate("[scrollX, scrollY]")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.evaluate("([x, y]) => window.scrollTo(x, y)", where)


def log_in(
    page, base_url, lang, email=demo.DEMO_CUSTOMER[0], password=demo.DEMO_CUSTOMER[1], landing="**/dashboard"
):
    page.goto(f"{base_url}/login?lang={lang}")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form.stack button")
    page.wait_for_url(landing)
