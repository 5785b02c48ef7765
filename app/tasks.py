"""The worker's periodic tasks, each a call into a service, which holds the rules.

One-off tasks are declared beside the rules they run (fulfilment, mail, refunds,
operator_refunds, payment_methods, khqr, renewal_cycles); importing this module imports them all,
so the consumer knows every task. A lost or failed task loses nothing: the state it
works on is in the database, and `sweep` (every minute) queues again whatever is overdue.
"""

from huey import crontab

from app.services import abandoned_orders
from app.services import catalogue
from app.services import fulfilment
from app.services import khqr
from app.services import mail
from app.services import operator_refunds  # noqa: F401 - declares request_operator_refund
from app.services import payment_methods
from app.services import reconciliation
from app.services import refunds
from app.services import reminders
from app.services import renewal_cycles
from app.services import telegram_outbox
from app.services import telegram_updates
from app.services import usage_history
from app.worker import periodic_task


@periodic_task(crontab(minute="*"), lock="sweep")
def sweep():
    """Every minute: orders, emails, Telegram messages, refunds, KHQR checks and payment-method
    lookups whose next step is overdue are queued again."""
    fulfilment.sweep()
    mail.retry_due()
    telegram_outbox.retry_due()
    refunds.retry_due()
    khqr.check_overdue()
    payment_methods.remember_missing_methods()


@periodic_task(crontab(minute="*/5"), lock="expire-orders")
def expire_orders():
    """Every 5 minutes: unpaid orders expire; a checkout the provider says was paid is settled instead."""
    abandoned_orders.expire()


@periodic_task(crontab(minute="*/10"), lock="reconcile")
def reconcile():
    """Every 10 minutes: checkouts nobody reported on, and orders the operator left unanswered."""
    reconciliation.reconcile()


@periodic_task(crontab(minute="5"), lock="send-reminders")
def send_reminders():
    reminders.send_due()


@periodic_task(crontab(minute="*"), lock="telegram-updates")
def poll_telegram():
    """Every minute, where no webhook is set (no public HTTPS address): what people typed to the bot."""
    telegram_updates.poll()


@periodic_task(crontab(minute="35"), lock="sync-plans")
def sync_plans():
    catalogue.sync_from_operator()


@periodic_task(crontab(minute="*/5"), lock="auto-renew")
def auto_renew():
    """Every 5 minutes: eSIMs with auto-renew on that are due are renewed (a cycle once), or told
    a day ahead of a renewal by date."""
    renewal_cycles.run_due()


@periodic_task(crontab(minute="50", hour="3"), lock="prune-usage")
def prune_usage():
    """Daily: usage readings older than 400 days go."""
    usage_history.prune()
