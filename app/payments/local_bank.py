"""Test mode's bank: answers the two Bakong calls the KHQR connector makes, from our own table.

Without Bakong credentials the demo still shows real KHQR codes; "Simulate bank payment"
records a transfer here, and the worker then finds it paid exactly as it would at Bakong.
The answers have the shapes of Bakong Open API v1.0.2, section 5 ("Check Transaction Status
by MD5": responseCode 0 with data, or errorCode 1 "Transaction could not be found").
"""

import secrets

from app.models import LocalBankTransfer
from app.payments.bakong_client import NOT_FOUND
from app.payments.khqr import MINOR_UNITS

TEST_PAYER = "test_payer@test"


class LocalBank:
    """Stands where BakongClient does; money never moves."""

    def pay(self, md5, amount, currency):
        """A payment of `amount` (smallest unit of `currency`) for the code with this MD5, once."""
        transfer, _created = LocalBankTransfer.get_or_create(
            md5=md5,
            defaults=dict(
                hash=secrets.token_hex(32), from_account=TEST_PAYER, amount=amount, currency=currency
            ),
        )
        return transfer

    def check_transaction_by_md5(self, md5):
        transfer = LocalBankTransfer.get_or_none(LocalBankTransfer.md5 == md5)
        if transfer is None:
            return {
                "data": None,
                "errorCode": NOT_FOUND,
                "responseCode": 1,
                "responseMessage": "Transaction could not be found. Please check and try again.",
            }
        places = MINOR_UNITS[transfer.currency]
        return {
            "responseCode": 0,
            "responseMessage": "Getting transaction successfully.",
            "data": {
                "hash": transfer.hash,
                "fromAccountId": transfer.from_account,
                "toAccountId": "test_merchant@test",
                "currency": transfer.currency,
                "amount": transfer.amount / 10**places,
                "description": "",
            },
        }

    def generate_deeplink(self, qr, source_info=None):
        return None  # no bank app to open in test mode
