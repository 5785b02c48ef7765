"""The scale benchmark's seeding script keeps up with the schema: a small run makes usable data."""

import sys

from support.helpers import Auth
from support.helpers import in_app

from app.config import PROJECT_ROOT
from app.models import Esim
from app.models import Order

sys.path.insert(0, str(PROJECT_ROOT / "bench"))
import seed_scale  # noqa: E402


def test_a_small_scale_seed_gives_a_heavy_customer_who_can_log_in(app, client):
    counts = in_app(app, seed_scale.seed, 30)
    assert counts["customers"] == 30
    assert in_app(app, Esim.select().count) == counts["esims"] + 1  # and the demo customer's
    heavy = seed_scale.HEAVY[0]
    assert Auth(client).login(heavy, seed_scale.PASSWORD).status_code == 302
    history = client.get("/orders").get_data(as_text=True)
    assert history.count('class="card order"') == 20 and 'id="orders-older"' in history  # a page of 20
    assert in_app(app, Order.select().count) >= seed_scale.HEAVY[2]
