"""The auto-renew form on an eSIM's page: its choices, what was sent, and its problems on its fields."""

from decimal import Decimal
from decimal import InvalidOperation

from flask_babel import gettext as _

from app.services import autorenew
from app.services import cards
from app.services import renewal
from app.text import money
from app.text import plan_name


def funding_choices(card):
    """Where renewals may be paid from: the balance always, the saved card when there is one."""
    balance = [("balance", _("My balance"))]
    if card is None:
        return balance
    return [
        ("card", _("My card %(card)s", card=cards.card_label(card))),
        *balance,
        ("balance_card", _("My balance, and my card %(card)s when it is short", card=cards.card_label(card))),
    ]


def fill(form, esim, proposed, card=None):
    """The form's choices for this eSIM; its values from `proposed` when nothing was sent."""
    form.funding.choices = funding_choices(card)
    plans = autorenew.plans_for(esim)
    form.plan.choices = [(p.code, f"{plan_name(p)} · {money(p.price_cents, p.currency)}") for p in plans]
    plan = renewal.find_plan(form.plan.data) or (proposed.plan if proposed else None)
    off = _("Not on this")
    form.data_below.choices = [(0, off)] + [(p, f"{p} %") for p in autorenew.DATA_CHOICES if p]
    form.hours_before.choices = (
        [(0, off)] + [(h, autorenew.when_text(h)) for h in autorenew.hour_choices(plan) if h]
        if plan
        else [(0, off)]
    )
    if proposed is not None and not form.plan.raw_data:  # nothing sent: the saved or proposed setting
        form.plan.data = proposed.plan.code
        form.data_below.data = proposed.data_below_percent
        form.hours_before.data = proposed.hours_before_expiry
        form.cap.data = f"{Decimal(proposed.monthly_cap_cents) / 100:.2f}"
        offered = [value for value, _label in form.funding.choices]
        form.funding.data = proposed.funding if proposed.funding in offered else offered[0]


def cents(text):
    """Dollars as typed ("15", "15.50") in cents, or None."""
    try:
        value = Decimal((text or "").strip().replace("$", ""))
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")) or value > 100000:
        return None
    return int(value * 100)


def choice_of(form):
    """The choice the form sent, or None with the problem on its field."""
    plan = renewal.find_plan(form.plan.data)
    if plan is None:
        form.plan.errors = [_("Please choose a plan.")]
        return None
    when = _("Please choose when to renew: on data left, on time left, or both.")
    if form.data_below.data not in autorenew.DATA_CHOICES:
        form.data_below.errors = [when]
        return None
    if form.hours_before.data not in autorenew.hour_choices(plan):
        form.hours_before.errors = [when]
        return None
    cap = cents(form.cap.data)
    if cap is None:
        form.cap.errors = [_("Please enter an amount in dollars, for example 15.00.")]
        return None
    if not form.funding.data and form.funding.choices:  # not sent: the first way offered
        form.funding.data = form.funding.choices[0][0]
    if form.funding.data not in autorenew.FUNDING_OFFERED:
        form.funding.errors = [_("Please choose how to pay.")]
        return None
    return autorenew.Choice(
        plan, form.data_below.data or 0, form.hours_before.data or 0, cap, form.funding.data
    )


def save(form, esim, user):
    """Turn auto-renew on as the form says; the setting, or None with the problem on a field."""
    choice = choice_of(form)
    if choice is None:
        return None
    card = cards.usable(user)
    try:
        return autorenew.turn_on(esim, choice, card, autorenew.consent_text(choice, card))
    except autorenew.SettingError as exc:
        target = getattr(form, exc.field, None) or form.consent
        target.errors = [exc.message]
        return None
