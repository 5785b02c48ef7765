"""The worker's tasks: each is a thin call into a service, which holds the rules.

A lost or failed task loses nothing: the state it works on is in the database,
and `sweep` (every minute) queues again whatever is overdue.
"""

from huey import crontab

from app.worker import periodic_task
from app.worker import task


@task()
def apply_order(order_id):
    """Ask the operator to apply a paid order."""
    from app.services import fulfilment

    fulfilment.apply(order_id)


@task()
def follow_order(order_id, now_please=False):
    """Check on an order the operator is applying; finish it once applied.

    `now_please`: the operator just said something about it, so it is checked even if not due.
    """
    from app.services import fulfilment

    fulfilment.follow(order_id, force=now_please)


@task()
def deliver_mail(mail_id):
    """Hand one recorded email to the mail server (or the outbox folder)."""
    from app.services import mail

    mail.deliver(mail_id)


@task()
def deliver_mails(mail_ids):
    """Hand a batch of recorded emails to the mail server through one connection."""
    from app.services import mail

    mail.deliver_batch(mail_ids)


@task()
def send_refund(refund_id):
    """Send one recorded refund through the payment provider."""
    from app.services import refunds

    refunds.send(refund_id)


@task()
def request_operator_refund(order_id):
    """Ask the operator to take back the never-installed eSIM of a refunded order."""
    from app.services import operator_refunds

    operator_refunds.request(order_id)


@task()
def remember_payment_method(order_id):
    """Ask the payment provider how a paid order was paid (card brand and last digits, wallet)."""
    from app.services import unreported_payments

    unreported_payments.remember_method(order_id)


@task()
def check_khqr(md5):
    """Ask Bakong whether a KHQR code was paid; settle what it says and plan the next check."""
    from app.services import khqr

    khqr.check(md5)


@task()
def auto_renew_esim(esim_id):
    """The operator says an eSIM is low on data: renew it now if its auto-renew is due."""
    from app.services import renewal_cycles

    renewal_cycles.renew_esim(esim_id)


@periodic_task(crontab(minute="*"), lock="sweep")
def sweep():
    """Every minute: orders, emails, refunds, KHQR checks and payment-method lookups whose next step
    is overdue are queued again."""
    from app.services import fulfilment
    from app.services import khqr
    from app.services import mail
    from app.services import refunds
    from app.services import unreported_payments

    fulfilment.sweep()
    mail.retry_due()
    refunds.retry_due()
    khqr.check_overdue()
    unreported_payments.remember_missing_methods()


@periodic_task(crontab(minute="*/5"), lock="expire-orders")
def expire_orders():
    """Every 5 minutes: unpaid orders expire; a checkout the provider says was paid is settled instead."""
    from app.services import abandoned_orders

    abandoned_orders.expire()


@periodic_task(crontab(minute="*/10"), lock="reconcile")
def reconcile():
    """Every 10 minutes: checkouts nobody reported on, and orders the operator left unanswered."""
    from app.services import reconciliation

    reconciliation.reconcile()


@periodic_task(crontab(minute="5"), lock="send-reminders")
def send_reminders():
    from app.services import reminders

    reminders.send_due()


@periodic_task(crontab(minute="35"), lock="sync-plans")
def sync_plans():
    from app.services import catalogue

    catalogue.sync_from_operator()


@periodic_task(crontab(minute="*/5"), lock="auto-renew")
def auto_renew():
    """Every 5 minutes: eSIMs with auto-renew on that are due are renewed (a cycle once), or told
    a day ahead of a renewal by date."""
    from app.services import renewal_cycles

    renewal_cycles.run_due()
