"""Refunds owed by bank transfer (KHQR: Bakong has no refund call): where each one goes."""

from app.models import KhqrCode
from app.models import Payment


def transfer_details(refund_rows):
    """Where each refund owed by bank transfer goes: {refund id: "payer's account · Bakong hash"}."""
    owed = [r for r in refund_rows if r.status == "transfer"]
    if not owed:
        return {}
    paid = {p.id: p for p in Payment.select().where(Payment.id.in_([r.payment_id for r in owed]))}
    payers = {
        c.md5: c.payer_account
        for c in KhqrCode.select(KhqrCode.md5, KhqrCode.payer_account).where(
            KhqrCode.md5.in_([p.session_ref for p in paid.values()])
        )
    }
    details = {}
    for row in owed:
        payment = paid[row.payment_id]
        parts = [
            payers.get(payment.session_ref, ""),
            f"Bakong {payment.intent_ref}" if payment.intent_ref else "",
        ]
        details[row.id] = " · ".join(part for part in parts if part)
    return details
