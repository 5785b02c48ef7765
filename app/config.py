"""Settings read from the environment, with defaults that are safe to run locally."""

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _flag(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path):
    """Use SECRET_KEY from the environment, else one generated once and kept in instance/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    key_file = Path(instance_path) / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class ConfigError(RuntimeError):
    """A setting that makes the app unsafe to start; the message says which, in one line."""


def check(config):
    """Refuse to run production on test payments, which would give plans away for nothing."""
    if config.get("STRIPE_SECRET_KEY") or config.get("PAYMENTS") == "test":
        return
    if config.get("DEVELOPMENT") or config.get("TESTING"):
        return
    raise ConfigError(
        "STRIPE_SECRET_KEY is not set: set it to take real payments, "
        "or set PAYMENTS=test to take test payments on purpose (APP_ENV=development does so locally)."
    )


def from_environment(instance_path):
    """Build the settings mapping for create_app."""
    development = os.environ.get("APP_ENV", "production") == "development"
    instance = Path(instance_path)
    return {
        "DEVELOPMENT": development,
        "SECRET_KEY": _secret_key(instance),
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'esim.sqlite3'}"),
        "OUTBOX_DIR": os.environ.get("OUTBOX_DIR", str(instance / "outbox")),
        # The site's address in links that emails carry (also when sent from cron).
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", True),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "eSIM Cambodia <no-reply@localhost>"),
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY"),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET"),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE"),
        # KHQR (Bakong): offered when the merchant's account is set (or, in test mode, with a
        # local test bank). See README, "Paying by KHQR".
        "BAKONG_ACCOUNT": os.environ.get("BAKONG_ACCOUNT"),
        "BAKONG_MERCHANT_NAME": os.environ.get("BAKONG_MERCHANT_NAME"),
        "BAKONG_MERCHANT_CITY": os.environ.get("BAKONG_MERCHANT_CITY"),
        "BAKONG_API_BASE": os.environ.get("BAKONG_API_BASE", "https://api-bakong.nbc.gov.kh"),
        "BAKONG_TOKEN": os.environ.get("BAKONG_TOKEN"),
        "BAKONG_TIMEOUT": float(os.environ.get("BAKONG_TIMEOUT", "5")),
        "BAKONG_QR_TTL": int(os.environ.get("BAKONG_QR_TTL", "900")),
        "BAKONG_DEEPLINKS": _flag("BAKONG_DEEPLINKS", False),
        # USD asks the order's dollars; KHR asks riel at KHQR_KHR_PER_USD, shown to the payer.
        "KHQR_CURRENCY": os.environ.get("KHQR_CURRENCY", "USD").strip().upper(),
        "KHQR_KHR_PER_USD": int(os.environ.get("KHQR_KHR_PER_USD", "4100")),
        # "test" takes local test payments on purpose; outside development that is the only way.
        "PAYMENTS": os.environ.get("PAYMENTS", "").strip().lower(),
        "OPERATOR": os.environ.get("OPERATOR", "simulated"),
        "OPERATOR_APPLY_DELAY": float(os.environ.get("OPERATOR_APPLY_DELAY", "5")),
        # Airalo Partner API v2 (OPERATOR=airalo); see docs/airalo.md.
        "AIRALO_CLIENT_ID": os.environ.get("AIRALO_CLIENT_ID"),
        "AIRALO_CLIENT_SECRET": os.environ.get("AIRALO_CLIENT_SECRET"),
        "AIRALO_API_BASE": os.environ.get("AIRALO_API_BASE", "https://sandbox-partners-api.airalo.com/v2"),
        "AIRALO_MARKUP_PERCENT": float(os.environ.get("AIRALO_MARKUP_PERCENT", "30")),
        "AIRALO_WEBHOOK_SECRET": os.environ.get("AIRALO_WEBHOOK_SECRET"),
        "AIRALO_TIMEOUT": float(os.environ.get("AIRALO_TIMEOUT", "30")),
        # How long an unanswered order is left before reconcile retries or fails it: Airalo's
        # package history may lag that long behind an order that did go through.
        "AIRALO_RECONCILE_GRACE": float(os.environ.get("AIRALO_RECONCILE_GRACE", "1200")),
        # Airalo's usage figures are cached for 20 minutes on its side, and older pages allow one
        # read per eSIM every 15 minutes: reading more often shows nothing new.
        "AIRALO_USAGE_INTERVAL": float(os.environ.get("AIRALO_USAGE_INTERVAL", "900")),
        "REDIS_URL": os.environ.get("REDIS_URL"),
        "SUPPORT_EMAIL": os.environ.get("SUPPORT_EMAIL", "support@esim-cambodia.example"),
        "SUPPORT_PHONE": os.environ.get("SUPPORT_PHONE", "+855 23 000 000"),
        "SELLER_NAME": os.environ.get("SELLER_NAME", "eSIM Cambodia Co., Ltd."),
        "SELLER_ADDRESS": os.environ.get("SELLER_ADDRESS", "No. 1, Preah Norodom Blvd, Phnom Penh, Cambodia"),
        # The same in Khmer and Chinese, for receipts and emails in those languages.
        "SELLER_NAME_KM": os.environ.get("SELLER_NAME_KM", "ក្រុមហ៊ុន អ៊ីស៊ីម កម្ពុជា ឯ.ក"),
        "SELLER_ADDRESS_KM": os.environ.get("SELLER_ADDRESS_KM", "ផ្ទះលេខ ១ មហាវិថីព្រះនរោត្តម រាជធានីភ្នំពេញ កម្ពុជា"),
        "SELLER_NAME_ZH": os.environ.get("SELLER_NAME_ZH", "柬埔寨 eSIM 有限公司"),
        "SELLER_ADDRESS_ZH": os.environ.get("SELLER_ADDRESS_ZH", "柬埔寨金边诺罗敦大道1号"),
        # The sender's name in each language; the address stays MAIL_FROM's.
        "MAIL_SENDER_NAME_KM": os.environ.get("MAIL_SENDER_NAME_KM", "អ៊ីស៊ីម កម្ពុជា"),
        "MAIL_SENDER_NAME_ZH": os.environ.get("MAIL_SENDER_NAME_ZH", "柬埔寨 eSIM"),
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL", "memory://"),
        # Moving windows, so a wait ends when the oldest counted try leaves the window.
        "RATELIMIT_STRATEGY": "moving-window",
        # Every limit is checked, so a refusal states the longest wait among those broken.
        "RATELIMIT_FAIL_ON_FIRST_BREACH": False,
        # Failed logins only, per account and address together: growing waits, never an hour's ban,
        # and a stranger's guesses elsewhere never slow the owner down.
        "LOGIN_FAILURE_LIMIT": os.environ.get(
            "LOGIN_FAILURE_LIMIT", "3 per 30 seconds;6 per 5 minutes;10 per 15 minutes"
        ),
        # Failed logins from one address across all accounts (many people share a counter's Wi-Fi).
        "LOGIN_ADDRESS_FAILURE_LIMIT": os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "100 per 15 minutes"),
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", "0")),
        "SESSION_COOKIE_SECURE": not development,
        "REMEMBER_COOKIE_SECURE": not development,
        "PREFERRED_URL_SCHEME": "http" if development else "https",
    }
