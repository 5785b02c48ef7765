"""What the portal needs from a mobile operator, whoever it is."""

from abc import ABC
from abc import abstractmethod
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


PENDING, APPLIED, FAILED = "pending", "applied", "failed"


class Operator(ABC):
    @abstractmethod
    def provision(self, plan: PlanRequest) -> Provisioned:
        """Create a new eSIM profile for `plan`, ready to download."""

    @abstractmethod
    def read_usage(self, iccids: list[str]) -> dict[str, Usage]:
        """Usage of each ICCID, read in one call; raises OperatorError."""

    @abstractmethod
    def apply_plan(self, iccid: str, plan: PlanRequest) -> str:
        """Start applying a plan to a line; returns the operator's reference."""

    @abstractmethod
    def application_status(self, reference: str) -> str:
        """PENDING, APPLIED or FAILED."""

    # How long the operator may take to apply a plan before the portal gives up on it.
    apply_window_seconds = 3600
    # True when a renewal extends the current package (days after the expiry, data left kept);
    # False when it is a package of its own beside the current one, with its own days and data.
    renewal_carries_over = True
    # True when the operator tells us itself (a webhook) that an eSIM is low on data, so the
    # reminders task need not read every eSIM's usage to find out.
    sends_usage_notices = False

    def settle(self, reference: str) -> str:
        """Find out what became of a request the operator left unanswered; PENDING, APPLIED or FAILED.

        An operator that answers every request at once has nothing to find out.
        """
        return self.application_status(reference)

    def recovered(self, reference: str) -> Provisioned | None:
        """The eSIM an unanswered new-eSIM request turned out to have made, or None."""
        return None

    def confirm(self, reference: str) -> None:  # noqa: B027 - most operators have nothing to confirm
        """The portal has attached the recovered eSIM."""

    def verify_webhook(self, payload: bytes, signature: str | None) -> bool:
        """True when a notification POSTed to us is really the operator's (an operator without
        notifications sends none)."""
        return False

    def deliver(self, notice: dict) -> str:
        """An order's result the operator POSTed; returns the reference it settles, or ""."""
        return ""

    def request_refund(self, iccid: str, notes: str) -> str:
        """Ask the operator to take back an eSIM that was never installed; returns its reference.

        "" when the operator keeps no account of its own to refund (the simulated one).
        """
        return ""
