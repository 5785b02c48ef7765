"""Cards saved for later charges: the customer's record at the provider, saving with consent
(Checkout in setup mode), the list the profile shows (brand and last four, from the provider),
and removing one (detached at the provider)."""

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from peewee import IntegrityError

from app.extensions import db
from app.labels import LANGUAGES
from app.models import AutoRenew
from app.models import PaymentCustomer
from app.models import SavedCard
from app.models import utcnow
from app.payments import PaymentError
from app.payments import get_provider
from app.payments import local_payments
from app.payments.base import CardSetupRequest
from app.text import payment_method_label

# Checkout speaks English and Chinese but not Khmer (as for payments).
SETUP_LOCALES = {"en": "en", "zh": "zh", "km": "auto"}


def consent_text():
    """What the customer agrees to when saving a card (Stripe's "save and reuse" terms)."""
    return _(
        "I allow eSIM Cambodia to keep this card and to charge it, without asking me each time, only "
        "for the automatic renewals I turn on, as each one's own terms say. I can remove the card at "
        "any time on my profile."
    )


def card_label(card):
    """The card as the customer reads it: "Visa •••• 4242"."""
    if card is None:
        return ""
    return payment_method_label(f"{card.brand or 'card'} •••• {card.last4}" if card.last4 else "card")


def customer_ref(user, create=True):
    """The user's customer at the card provider ("" when none is kept and `create` is False)."""
    provider = get_provider()
    found = PaymentCustomer.get_or_none(
        PaymentCustomer.user == user.id, PaymentCustomer.provider == provider.name
    )
    if found is not None or not create:
        return found.customer_ref if found else ""
    # The account's id and creation time: one key per account, even across a database restored elsewhere.
    key = f"customer-{user.id}-{user.created_at:%Y%m%d%H%M%S%f}"
    ref = provider.ensure_customer(user.email, user.id, idempotency_key=key)
    try:
        with db.atomic():
            PaymentCustomer.create(user=user.id, provider=provider.name, customer_ref=ref)
    except IntegrityError:
        pass  # made at the same moment by another request: the same key gave the same customer
    return PaymentCustomer.get(
        PaymentCustomer.user == user.id, PaymentCustomer.provider == provider.name
    ).customer_ref


def start_saving(user, success_url, cancel_url, lang):
    """The page where the customer saves a card; raises PaymentError."""
    provider = get_provider()
    if not provider.saves_cards:
        raise PaymentError(f"{provider.name} saves no cards")
    request = CardSetupRequest(
        customer=customer_ref(user),
        currency="USD",
        locale=SETUP_LOCALES.get(lang, "auto"),
        success_url=success_url,
        cancel_url=cancel_url,
        user_id=user.id,
    )
    return provider.create_card_setup(request)


def record_setup(setup_id, consent, owner, now=None):
    """Keep the card a completed setup saved, with the consent given; the SavedCard, or None.

    The setup must be on `owner`'s customer; the same card reported twice is kept once.
    """
    provider = get_provider()
    setup = provider.retrieve_card_setup(setup_id)
    if setup.status != "complete" or not setup.payment_method:
        return None
    found = PaymentCustomer.get_or_none(
        PaymentCustomer.customer_ref == setup.customer, PaymentCustomer.provider == provider.name
    )
    if found is None or found.user_id != owner.id:
        return None
    method = next((m for m in provider.list_cards(setup.customer) if m.id == setup.payment_method), None)
    try:
        with db.atomic():
            return SavedCard.create(
                user=owner.id,
                provider=provider.name,
                method_ref=setup.payment_method,
                brand=method.brand if method else "",
                last4=method.last4 if method else "",
                consent_text=consent,
                consented_at=now or utcnow(),
            )
    except IntegrityError:
        return SavedCard.get(SavedCard.method_ref == setup.payment_method)


def saved(user):
    """The user's saved cards, newest first, brand and last four as the provider says now."""
    rows = list(
        SavedCard.select()
        .where(
            SavedCard.user == user.id,
            SavedCard.provider == get_provider().name,
            SavedCard.removed_at.is_null(),
        )
        .order_by(SavedCard.consented_at.desc(), SavedCard.id.desc())
    )
    ref = customer_ref(user, create=False) if rows else ""
    if ref:
        try:
            known = {m.id: m for m in get_provider().list_cards(ref)}
        except PaymentError as exc:
            current_app.logger.warning("saved cards of user %s not listed: %s", user.id, exc)
            return rows
        for row in rows:
            method = known.get(row.method_ref)
            if method is not None:
                row.brand, row.last4 = method.brand, method.last4
    return rows


def usable(user):
    """The card auto-renew charges: the newest one saved."""
    found = saved(user)
    return found[0] if found else None


def remove(user, card_id):
    """Forget a saved card (detached at the provider) and stop what it paid for; False if not theirs."""
    card = SavedCard.get_or_none(
        SavedCard.id == card_id, SavedCard.user == user.id, SavedCard.removed_at.is_null()
    )
    if card is None:
        return False
    get_provider().detach_card(card.method_ref)
    with db.atomic():
        SavedCard.update(removed_at=utcnow()).where(SavedCard.id == card.id).execute()
        # A removed card pays for nothing more: the renewals it paid for stop, saying why.
        AutoRenew.update(enabled=False, stopped_reason="card_removed", updated_at=utcnow()).where(
            AutoRenew.card == card.id,
            AutoRenew.enabled == True,  # noqa: E712
        ).execute()
    return True


# Test mode's card page: what charging the saved card off-session will answer.
TEST_OUTCOMES = ("succeeded", "card_declined", "authentication_required")


def test_setup(setup_id, user):
    """Test mode's open card page with this id, if it is `user`'s; else None."""
    try:
        setup = get_provider().retrieve_card_setup(setup_id)
    except PaymentError:
        return None
    return setup if setup.status == "open" and setup.customer == customer_ref(user, create=False) else None


def save_test_card(setup_id, outcome):
    """ "Save this card (test)": where the customer goes next (the return address)."""
    return local_payments().complete_card_setup(
        setup_id, outcome if outcome in TEST_OUTCOMES else "succeeded"
    )


def leave_test_setup(setup_id):
    return local_payments().setup_cancel_url(setup_id)


def save_test_card_for(user, outcome="succeeded", now=None):
    """A saved test card for `user` (test payments only: the demo customer's)."""
    provider = get_provider()
    method = local_payments().add_card(customer_ref(user), outcome)
    return SavedCard.create(
        user=user.id,
        provider=provider.name,
        method_ref=method.id,
        brand=method.brand,
        last4=method.last4,
        consent_text=_in_language(user, consent_text),
        consented_at=now or utcnow(),
    )


def _in_language(user, text):
    with force_locale(user.language if user.language in LANGUAGES else "en"):
        return text()
