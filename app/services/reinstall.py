"""A customer deleted an eSIM from the phone: what its operator allows, and a fresh code where it does.

Whether a deleted profile can be downloaded again is the SM-DP+'s reuse policy
(`Operator.can_reissue`). Where it can, the line gets a fresh activation code and a
new emailed install link; the old code and every older link stop working. Where it
cannot (Airalo), the page offers a refund request and a new eSIM at the same price.
"""

from dataclasses import dataclass
from datetime import datetime

from app.models import Esim
from app.models import Order
from app.models import OrderStatus
from app.models import Plan
from app.models import utcnow
from app.operators import OperatorError
from app.operators import OperatorRefused
from app.operators import get_operator
from app.services import jobs
from app.services import notifications
from app.services.support import audit

NOT_INSTALLED, REISSUE, USED_UP, NEW_ESIM = "not_installed", "reissue", "used_up", "new_esim"
PAID = (OrderStatus.PAID, OrderStatus.APPLYING, OrderStatus.FULFILLED)


class NotReissued(Exception):
    """No fresh code was given; `reason`: "refused" (not allowed, or none left) or "unreachable"."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Options:
    """What the deleted-eSIM page offers: `policy` is one of the four names above."""

    policy: str
    reissues_left: int
    days_left: int
    purchase: Order | None
    plan: Plan | None


def _days_left(expires_at, now):
    if not isinstance(expires_at, datetime) or expires_at <= now:
        return 0
    return (expires_at - now).days


def purchase_of(esim):
    """The paid order that bought the eSIM, else its latest paid order (what a refund is asked on)."""
    paid = Order.select().where(Order.esim == esim.id, Order.status.in_(PAID))
    return paid.where(Order.kind == "new_esim").first() or paid.order_by(Order.id.desc()).first()


def options(esim, now=None):
    """What this eSIM's operator allows once its profile was deleted from the phone."""
    operator = get_operator()
    left = operator.reissues_left(esim.iccid) if operator.can_reissue else 0
    if esim.installed_at is None:
        policy = NOT_INSTALLED
    elif operator.can_reissue:
        policy = REISSUE if left > 0 else USED_UP
    else:
        policy = NEW_ESIM
    plan = Plan.get_or_none(Plan.id == esim.plan_id, Plan.active == True)  # noqa: E712
    return Options(policy, left, _days_left(esim.expires_at, now or utcnow()), purchase_of(esim), plan)


def reissue(esim):
    """Give the installed eSIM a fresh activation code and email its new install link; every older
    code and link stops working. Audited. Raises NotReissued, and then nothing has changed."""
    operator = get_operator()
    if not operator.can_reissue:
        raise NotReissued("refused")
    # One press wins: it takes the eSIM out of "installed" before asking the operator.
    installed_at = Esim.get_by_id(esim.id).installed_at
    claimed = (
        Esim.update(installed_at=None).where(Esim.id == esim.id, Esim.installed_at == installed_at).execute()
        if installed_at is not None
        else 0
    )
    if not claimed:
        raise NotReissued("refused")
    try:
        made = operator.reissue(esim.iccid)
    except OperatorError as exc:
        Esim.update(installed_at=installed_at).where(
            Esim.id == esim.id, Esim.installed_at.is_null()
        ).execute()
        raise NotReissued("refused" if isinstance(exc, OperatorRefused) else "unreachable") from exc
    with jobs.transaction():
        Esim.update(
            smdp_address=made.smdp_address,
            matching_id=made.matching_id,
            apple_install_url=made.apple_install_url,
        ).where(Esim.id == esim.id).execute()
        esim = Esim.get_by_id(esim.id)
        audit(esim.user, esim.user, "reissued_profile", esim=esim.masked_iccid)
        notifications.send_install_link(esim)
    return esim
