"""Auto-renew, as the customer sets it: which plan, when, up to what a month, and the words they
agreed to, kept with the time. The worker's side (finding what is due, charging once) is
renewal_cycles.py's.

The trigger is data left below a share, or a time before expiry, or both; its defaults follow the
plan's length (a 1-day plan: 3 hours before). A funding source is a choice: "card" (a saved card,
charged off-session), "balance" (the prepaid balance only) or "balance_card" (the balance first,
the saved card when the balance is short).
"""

import math
from dataclasses import dataclass

from flask_babel import gettext as _

from app.models import AutoRenew
from app.models import Plan
from app.models import SavedCard
from app.models import utcnow
from app.services import cards
from app.services import renewal
from app.text import days_text
from app.text import hours_text
from app.text import money
from app.text import plan_name

DATA_CHOICES = (0, 5, 10, 20, 30)
DEFAULT_DATA_PERCENT = 10
HOUR_CHOICES_SHORT_PLAN = (0, 3, 6, 12)  # a 1-day plan
HOUR_CHOICES = (0, 24, 48, 72, 168)
FUNDING_OFFERED = ("card", "balance", "balance_card")
FROM_BALANCE = ("balance", "balance_card")
NEEDS_CARD = ("card", "balance_card")


class SettingError(Exception):
    """A setting that cannot be saved: `field` says where, `message` what to do."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field, self.message = field, message


@dataclass(frozen=True)
class Choice:
    plan: Plan
    data_below_percent: int
    hours_before_expiry: int
    monthly_cap_cents: int
    funding: str = "card"


def hour_choices(plan):
    return HOUR_CHOICES_SHORT_PLAN if plan.days <= 1 else HOUR_CHOICES


def default_hours(plan):
    """3 hours before a 1-day plan ends, a day before a week's, three days before anything longer."""
    if plan.days <= 1:
        return 3
    return 24 if plan.days <= 7 else 72


def default_cap_cents(plan):
    """Enough for the renewals one month can take of this plan."""
    return plan.price_cents * max(1, math.ceil(31 / plan.days))


def setting_of(esim):
    return AutoRenew.get_or_none(AutoRenew.esim == esim.id)


def plans_for(esim):
    """The plans auto-renew may buy for this eSIM (the operator must be able to top it up)."""
    if not renewal.can_renew(esim):
        return []
    return [plan for plan in Plan.catalogue() if plan.rechargeable]


def proposed(esim):
    """What the form shows: the saved setting, or the defaults for the eSIM's own plan."""
    saved = setting_of(esim)
    if saved is not None:
        return Choice(
            saved.plan,
            saved.data_below_percent,
            saved.hours_before_expiry,
            saved.monthly_cap_cents,
            saved.funding,
        )
    plans = plans_for(esim)
    plan = next((p for p in plans if p.id == esim.plan_id), plans[0] if plans else None)
    if plan is None:
        return None
    return Choice(plan, DEFAULT_DATA_PERCENT, default_hours(plan), default_cap_cents(plan))


def when_text(hours):
    return hours_text(hours) if hours < 24 else days_text(hours // 24)


def consent_text(choice, card):
    """What the customer agrees to: what is charged, when, how often, and how to stop."""
    if choice.data_below_percent and choice.hours_before_expiry:
        when = _(
            "When this eSIM has less than %(percent)d%% of its data left, or %(time)s before it expires,",
            percent=choice.data_below_percent,
            time=when_text(choice.hours_before_expiry),
        )
    elif choice.data_below_percent:
        when = _(
            "When this eSIM has less than %(percent)d%% of its data left,", percent=choice.data_below_percent
        )
    else:
        when = _("%(time)s before this eSIM expires,", time=when_text(choice.hours_before_expiry))
    return " ".join((when, *_paid_how(choice, card)))


def _paid_how(choice, card):
    """The sentences on what is paid and from where, what we email, and how to stop."""
    terms = dict(
        plan=plan_name(choice.plan),
        amount=money(choice.plan.price_cents, choice.plan.currency),
        cap=money(choice.monthly_cap_cents, choice.plan.currency),
    )
    notice = _("We email you the day before a renewal by date, and a receipt after every renewal.")
    if choice.funding == "card" or choice.funding not in FROM_BALANCE:
        charge = _(
            "we renew it with the plan %(plan)s and charge %(amount)s to your card %(card)s, at most once "
            "for each period of the plan and never more than %(cap)s in a calendar month.",
            card=cards.card_label(card),
            **terms,
        )
        stop = _(
            "You can turn this off at any time on this eSIM's page, and remove the card on your profile."
        )
        return charge, notice, stop
    if choice.funding == "balance_card":
        charge = _(
            "we renew it with the plan %(plan)s and pay %(amount)s from your balance, or charge it to "
            "your card %(card)s when the balance is short, at most once for each period of the plan and "
            "never more than %(cap)s in a calendar month.",
            card=cards.card_label(card),
            **terms,
        )
        stop = _(
            "You can turn this off at any time on this eSIM's page, and remove the card on your profile."
        )
        return charge, notice, stop
    charge = _(
        "we renew it with the plan %(plan)s and pay %(amount)s from your balance, at most once for each "
        "period of the plan and never more than %(cap)s in a calendar month.",
        **terms,
    )
    short = _(
        "If your balance will not cover a renewal, we email you a link to top it up beforehand; if it "
        "is still short when the renewal is due, nothing is renewed and we tell you."
    )
    stop = _("You can turn this off at any time on this eSIM's page.")
    return charge, notice, short, stop


def turn_on(esim, choice, card, consent, now=None):
    """Save the setting and turn it on, keeping the consent the customer saw and its time.

    Raises SettingError for a plan the eSIM cannot take, no trigger, a cap below one renewal,
    a funding source not offered, or no saved card.
    """
    if choice.funding not in FUNDING_OFFERED:
        raise SettingError("funding", _("Please choose how to pay."))
    if choice.plan is None or choice.plan.id not in {p.id for p in plans_for(esim)}:
        raise SettingError("plan", _("Please choose a plan."))
    if not choice.data_below_percent and not choice.hours_before_expiry:
        raise SettingError(
            "data_below", _("Please choose when to renew: on data left, on time left, or both.")
        )
    if choice.monthly_cap_cents < choice.plan.price_cents:
        raise SettingError(
            "cap",
            _(
                "The monthly limit must be at least the plan's price, %(amount)s.",
                amount=money(choice.plan.price_cents, choice.plan.currency),
            ),
        )
    if card is None and choice.funding in NEEDS_CARD:
        raise SettingError("card", _("Please save a card first."))
    now = now or utcnow()
    fields = dict(
        plan=choice.plan,
        enabled=True,
        funding=choice.funding,
        card=card if choice.funding in NEEDS_CARD else None,
        data_below_percent=choice.data_below_percent,
        hours_before_expiry=choice.hours_before_expiry,
        monthly_cap_cents=choice.monthly_cap_cents,
        consent_text=consent,
        consented_at=now,
        failures=0,
        stopped_reason="",
        updated_at=now,
    )
    existing = setting_of(esim)
    if existing is None:
        return AutoRenew.create(esim=esim.id, **fields)
    AutoRenew.update(**fields).where(AutoRenew.id == existing.id).execute()
    return AutoRenew.get_by_id(existing.id)


def turn_off(esim, reason="customer"):
    """Stop renewing this eSIM by itself; True if it was on."""
    return bool(
        AutoRenew.update(enabled=False, stopped_reason=reason, updated_at=utcnow())
        .where(AutoRenew.esim == esim.id, AutoRenew.enabled == True)  # noqa: E712
        .execute()
    )


def card_of(setting):
    """The saved card a setting charges, while it is still saved."""
    if setting.card_id is None:
        return None
    return SavedCard.get_or_none(SavedCard.id == setting.card_id, SavedCard.removed_at.is_null())
