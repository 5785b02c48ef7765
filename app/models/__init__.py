"""peewee models, one database proxy: times in UTC (naive), money in integer cents.

Every table is importable from here (`from app.models import Order`); the modules
group them by what they describe.
"""

from app.models.accounts import AuditLog
from app.models.accounts import OutgoingMail
from app.models.accounts import User
from app.models.accounts import UserSession
from app.models.autorenew import FUNDING
from app.models.autorenew import AutoRenew
from app.models.autorenew import PaymentCustomer
from app.models.autorenew import RenewalCycle
from app.models.autorenew import SavedCard
from app.models.balance import BALANCE_REASONS
from app.models.balance import BalanceEntry
from app.models.base import CAMBODIA
from app.models.base import PLAN_KINDS
from app.models.base import ROLES
from app.models.base import BaseModel
from app.models.base import phone_digits
from app.models.base import utcnow
from app.models.catalogue import Device
from app.models.catalogue import Plan
from app.models.catalogue import PromoCode
from app.models.connectors import LocalCheckout
from app.models.connectors import LocalRefund
from app.models.connectors import OperatorAttempt
from app.models.connectors import OperatorReading
from app.models.connectors import OperatorToken
from app.models.connectors import SimApplication
from app.models.connectors import SimLine
from app.models.esims import Esim
from app.models.esims import Reminder
from app.models.find_links import FindLink
from app.models.khqr import KhqrCode
from app.models.khqr import LocalBankTransfer
from app.models.local_cards import LocalCard
from app.models.local_cards import LocalCardSetup
from app.models.local_cards import LocalCharge
from app.models.messaging import CHANNELS
from app.models.messaging import NoticeChoice
from app.models.messaging import OutgoingTelegram
from app.models.messaging import TelegramChat
from app.models.messaging import TelegramLinkToken
from app.models.messaging import TelegramPoll
from app.models.orders import ORDER_STATUSES
from app.models.orders import REFUND_REASONS
from app.models.orders import Dispute
from app.models.orders import Order
from app.models.orders import OrderEvent
from app.models.orders import OrderStatus
from app.models.orders import Payment
from app.models.orders import Refund
from app.models.orders import WebhookEvent
from app.models.refund_requests import REFUND_REQUEST_REASONS
from app.models.refund_requests import REFUND_REQUEST_STATES
from app.models.refund_requests import RefundRequest
from app.models.refund_requests import RefundRequestEvent
from app.models.usage import UsageReading

ALL_MODELS = [
    User,
    UserSession,
    Plan,
    Esim,
    PromoCode,
    Order,
    OrderEvent,
    Payment,
    Refund,
    Dispute,
    WebhookEvent,
    LocalCheckout,
    LocalRefund,
    Device,
    Reminder,
    AuditLog,
    OutgoingMail,
    SimLine,
    SimApplication,
    OperatorToken,
    OperatorAttempt,
    OperatorReading,
    KhqrCode,
    LocalBankTransfer,
    RefundRequest,
    RefundRequestEvent,
    BalanceEntry,
    PaymentCustomer,
    SavedCard,
    AutoRenew,
    RenewalCycle,
    LocalCard,
    LocalCardSetup,
    LocalCharge,
    FindLink,
    UsageReading,
    TelegramChat,
    TelegramLinkToken,
    NoticeChoice,
    OutgoingTelegram,
    TelegramPoll,
]

__all__ = [
    "ALL_MODELS",
    "BALANCE_REASONS",
    "CHANNELS",
    "CAMBODIA",
    "FUNDING",
    "ORDER_STATUSES",
    "OrderStatus",
    "PLAN_KINDS",
    "REFUND_REASONS",
    "REFUND_REQUEST_REASONS",
    "REFUND_REQUEST_STATES",
    "ROLES",
    "BaseModel",
    "phone_digits",
    "utcnow",
    *(model.__name__ for model in ALL_MODELS),
]
