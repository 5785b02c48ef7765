"""New eSIMs: provisioning at the operator, and what the phone needs to install one."""

import hashlib
from urllib.parse import quote

from app.models import Esim
from app.models import Order
from app.operators import get_operator
from app.services import signed
from app.services import usage

# An emailed install link opens the page without logging in for a day, until the eSIM is installed,
# and only while it is the newest link sent (a resend raises the eSIM's install_link_version).
INSTALL_LINK_MAX_AGE = 24 * 3600
APPLE_SETUP = "https://esimsetup.apple.com/esim_qrcode_provisioning?carddata="
ANDROID_SETUP = "https://esimsetup.android.com/esim_qrcode_provisioning?carddata="


def provision(order, plan_request):
    """Ask the operator for a new eSIM for `order` and attach it; returns (esim, reference).

    The reference is set when the operator applied the plan as part of provisioning.
    Raises OperatorError.
    """
    made = get_operator().provision(plan_request)
    return attach(order, made), made.reference


def attach(order, made):
    """Record the eSIM the operator made for `order` as the customer's (once, if asked again)."""
    esim, _created = Esim.get_or_create(
        iccid=made.iccid,
        defaults=dict(
            user=order.user_id,
            smdp_address=made.smdp_address,
            matching_id=made.matching_id,
            apple_install_url=made.apple_install_url,
            plan=order.plan_id,
        ),
    )
    Order.update(esim=esim).where(Order.id == order.id).execute()
    order.esim = esim
    return esim


def installs_simulated():
    """Whether the demo's "install" button may play the phone (only a stand-in operator can be told)."""
    return get_operator().simulates_installation


def simulate_install(esim):
    """Demo: play the phone that downloads the eSIM's profile; False when the operator cannot be told."""
    operator = get_operator()
    if not operator.simulates_installation:
        return False
    operator.mark_installed(esim.iccid)
    usage.refresh([esim], force=True)
    return True


def activation_code(esim):
    """The GSMA SGP.22 activation code a phone scans: LPA:1$<SM-DP+ address>$<matching ID>."""
    return f"LPA:1${esim.smdp_address}${esim.matching_id}"


def install_links(esim):
    """One-tap install links for iPhone (iOS 17.4+) and Android; the operator's iOS link if it gave one."""
    data = quote(activation_code(esim), safe="")
    return {"apple": esim.apple_install_url or APPLE_SETUP + data, "android": ANDROID_SETUP + data}


def manual_apn(esim):
    """The APN the customer must set by hand for this eSIM's package, or ""."""
    return esim.plan.apn if esim.plan_id else ""


def _owner_fingerprint(esim):
    # Changes with the owner's password, so a reset also ends the links sent before it.
    return hashlib.sha256(esim.user.password_hash.encode()).hexdigest()[:12]


def new_install_link(esim):
    """A token for a new emailed install link; every earlier link of this eSIM stops working."""
    Esim.update(install_link_version=Esim.install_link_version + 1).where(Esim.id == esim.id).execute()
    esim.install_link_version = Esim.get_by_id(esim.id).install_link_version
    return install_token(esim)


def install_token(esim):
    """A token that opens the install page like the newest emailed link, for as long as it does."""
    return signed.sign(
        "install-page", {"e": esim.id, "v": esim.install_link_version, "o": _owner_fingerprint(esim)}
    )


def esim_for_install_token(token):
    """The eSIM a signed install link names, or None when it is forged, older than a day, not the
    newest link sent, from before a password change, or the eSIM is already installed."""
    esim, _spent = _check_install_token(token)
    return esim


def spent_install_link(token, esim_id):
    """Why a genuine link to eSIM `esim_id` no longer opens its page: "installed", "superseded" (a
    newer link was sent), "expired" (a day old), or "spent" (anything else: forged, another eSIM's, a
    password changed since); None when it still opens it. Only a signed link's holder gets a reason."""
    esim, spent = _check_install_token(token)
    if esim is not None and esim.id == esim_id:
        return None
    return spent if esim is None else "spent"


def _check_install_token(token):
    """(the eSIM, None) for a link that opens its page, else (None, the reason it does not)."""
    data = signed.unsign("install-page", token) if isinstance(token, str) and token else None
    if not isinstance(data, dict) or not isinstance(data.get("e"), int):
        return None, "spent"
    esim = Esim.get_or_none(Esim.id == data["e"])
    if esim is None or data.get("o") != _owner_fingerprint(esim):
        return None, "spent"
    if esim.installed_at is not None:
        return None, "installed"
    if data.get("v") != esim.install_link_version:
        return None, "superseded"
    if signed.unsign("install-page", token, max_age=INSTALL_LINK_MAX_AGE) is None:
        return None, "expired"
    return esim, None
