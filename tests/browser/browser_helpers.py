"""What a person does in the browser, as small steps the journeys share."""

from app.config import PROJECT_ROOT
from app.services import demo

ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(
    page, base_url, lang, email=demo.DEMO_CUSTOMER[0], password=demo.DEMO_CUSTOMER[1], landing="**/dashboard"
):
    page.goto(f"{base_url}/login?lang={lang}")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form.stack button")
    page.wait_for_url(landing)
