"""What the portal needs from a mobile operator, whoever it is: the whole contract.

The portal calls an operator only through the methods and attributes of
`Operator`. The first four are what every operator must do; the rest have a
default that fits an operator without that feature (no catalogue of its own, no
notifications, nothing left unanswered), documented on each.
"""

from abc import ABC
from abc import abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


class OperatorError(Exception):
    """The operator could not answer (down, slow, or refused the request)."""


class OperatorRefused(OperatorError):
    """The operator answered no (an unknown line, a package it won't sell): asking again won't help."""


class OperatorBusy(OperatorError):
    """The operator asks us to wait (a rate limit): nothing was done; ask again after `retry_after` s."""

    def __init__(self, message, retry_after=60):
        super().__init__(message)
        self.retry_after = retry_after


class OperatorTimeout(OperatorError):
    """A paid request was sent but no answer came: it may or may not have gone through.

    `reference` names the recorded attempt; the order waits on it (applying) until
    reconciliation finds out, rather than failing, or being sent again and bought twice.
    """

    def __init__(self, message, reference=""):
        super().__init__(message)
        self.reference = reference


@dataclass(frozen=True)
class Provisioned:
    iccid: str
    smdp_address: str
    matching_id: str
    # Set when the operator sells the eSIM with its plan in one order (the plan is then
    # already being applied under this reference); empty when apply_plan must follow.
    reference: str = ""
    # The operator's own one-tap link for iOS, when it gives one.
    apple_install_url: str = ""


@dataclass(frozen=True)
class Usage:
    data_total_mb: int
    data_used_mb: int
    minutes_total: int
    minutes_used: int
    expires_at: datetime | None
    installed: bool


@dataclass(frozen=True)
class PlanRequest:
    """What to apply to a line: a period and its allowances (and the operator's own package id)."""

    days: int
    data_mb: int
    minutes: int
    package_id: str = ""
    # The portal's order number: asking again for the same order must not buy it twice.
    order_ref: str = ""


@dataclass(frozen=True)
class Package:
    """A package an operator sells wholesale, as our catalogue sees it."""

    package_id: str
    days: int
    data_mb: int
    minutes: int
    net_price: Decimal  # US dollars
    unlimited: bool = False
    # When the days start: "" at once (when applied), or the operator's own policy ("first-usage").
    activation_policy: str = ""
    rechargeable: bool = True  # can be renewed (topped up) on the same eSIM
    apn: str = ""  # an APN the customer must set by hand; empty when it is set by itself


@dataclass(frozen=True)
class Notice:
    """What a notification the operator POSTed to us says, in the portal's terms."""

    # An order's result: `reference` names the paid request it settles ("" for one we do not know).
    delivery: bool = False
    reference: str = ""
    # Or about the eSIM `iccid`: it has used `data_used_percent` of its data, or has `days_left` days.
    iccid: str = ""
    data_used_percent: int | None = None
    days_left: int | None = None


PENDING, APPLIED, FAILED = "pending", "applied", "failed"


class Operator(ABC):
    """A mobile operator as the portal uses it; `get_operator()` gives the configured one."""

    # How long the operator may take to apply a plan before the portal gives up on it.
    apply_window_seconds: float = 3600
    # True when a renewal extends the current package (days after the expiry, data left kept):
    # the renewal summary then promises a new expiry, and what the operator reports after
    # applying is held to it. False when a renewal is a package of its own beside the current one.
    renewal_carries_over: bool = True
    # True when the operator tells us itself (a notification) that an eSIM is low on data or about
    # to expire, so the reminders task need not read every eSIM's usage as often to find out.
    sends_usage_notices: bool = False
    # True for a stand-in operator that can be told an eSIM was installed (the demo's button); a
    # real operator learns it from the phone, and reports it in `read_usage`.
    simulates_installation: bool = False

    # --- what every operator does ------------------------------------------------
    @abstractmethod
    def provision(self, plan: PlanRequest) -> Provisioned:
        """Create a new eSIM profile for `plan`, ready to download.

        Asking again with the same `plan.order_ref` must not make a second one. An
        operator that delivers the eSIM later returns a Provisioned without an ICCID,
        whose reference the portal follows (`settle`, `recovered`).
        """

    @abstractmethod
    def read_usage(self, iccids: list[str]) -> dict[str, Usage]:
        """Usage, expiry and installation of each ICCID, read in one call; raises OperatorError."""

    @abstractmethod
    def apply_plan(self, iccid: str, plan: PlanRequest) -> str:
        """Start applying a plan to a line; returns the operator's reference.

        The operator applies it by its own rule (see `renewal_carries_over`); asking
        again with the same `plan.order_ref` must not apply it twice.
        """

    @abstractmethod
    def application_status(self, reference: str) -> str:
        """PENDING, APPLIED or FAILED."""

    # --- the catalogue -------------------------------------------------------------
    def packages(self) -> Iterable[Package] | None:
        """Every package the operator sells us, for the catalogue sync.

        Default: None, an operator without a catalogue of its own (the portal's plans are its own).
        """
        return None

    # --- installation --------------------------------------------------------------
    def mark_installed(self, iccid: str) -> None:
        """Tell a stand-in operator the phone downloaded the profile (only when `simulates_installation`).

        Default: refused, since a real operator cannot be told.
        """
        raise OperatorRefused("this operator learns of installations from the phone")

    # --- a deleted profile ----------------------------------------------------------
    # True when the SM-DP+ lets a line's profile be downloaded again (its reuse policy): a customer
    # who deleted the eSIM from the phone can then be given a fresh activation code for the same line.
    can_reissue: bool = False

    def reissues_left(self, iccid: str) -> int:
        """How many more fresh activation codes the line may still be given. Default: 0."""
        return 0

    def reissue(self, iccid: str) -> Provisioned:
        """A fresh activation code for the same line; the old code stops working at once.

        Raises OperatorRefused when the operator does not allow it (the default) or none is left.
        """
        raise OperatorRefused("this operator's profiles cannot be downloaded again")

    # --- reconciliation: requests left unanswered ------------------------------------
    def settle(self, reference: str) -> str:
        """Find out what became of a request the operator left unanswered; PENDING, APPLIED or FAILED.

        Default: the application's status, for an operator that answers every request at once.
        """
        return self.application_status(reference)

    def recovered(self, reference: str) -> Provisioned | None:
        """The eSIM an unanswered new-eSIM request turned out to have made, or None (the default)."""
        return None

    def confirm(self, reference: str) -> None:  # noqa: B027 - most operators have nothing to confirm
        """The portal has attached the recovered eSIM. Default: nothing to record."""

    # --- notifications ---------------------------------------------------------------
    def verify_webhook(self, payload: bytes, signature: str | None) -> bool:
        """True when a notification POSTed to us is really the operator's.

        Default: False, for an operator that sends none.
        """
        return False

    def read_notice(self, notice: dict) -> Notice | None:
        """What a verified notification says; an order's result it brings is kept for `recovered`.

        None for a notification the portal does not act on (the default).
        """
        return None

    # --- money back ------------------------------------------------------------------
    def request_refund(self, iccid: str, notes: str, reason: str = "") -> str:
        """Ask the operator to take back an eSIM that was never installed; returns its reference.

        `reason` is the customer's, when they asked (models REFUND_REQUEST_REASONS): an operator
        with reason codes of its own maps it to one.

        Default: "", an operator that keeps no account of its own to refund (the simulated one).
        """
        return ""
