"""Settings read from the environment, with defaults that are safe to run locally."""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

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


LOCAL_URL = "http://127.0.0.1:5000"
DEFAULT_PASSWORD_HASH_METHOD = "scrypt"


def _trusted_hosts(value):
    hosts = [host.strip() for host in (value or "").split(",") if host.strip()]
    return hosts or None


def settle(config):
    """Settings that follow from others, once `create_app`'s overrides are in."""
    local = config.get("DEVELOPMENT") or config.get("TESTING")
    if not config.get("PUBLIC_URL") and local:
        config["PUBLIC_URL"] = LOCAL_URL
    # Production answers only for its own address; development also for the machine's
    # address on the local network (a phone on the same Wi-Fi), unless told otherwise.
    if config.get("TRUSTED_HOSTS") is None and not local and config.get("PUBLIC_URL"):
        config["TRUSTED_HOSTS"] = [urlsplit(config["PUBLIC_URL"]).hostname]


def check(config):
    """Refuse to start production with a setting that would make it unsafe."""
    local = config.get("DEVELOPMENT") or config.get("TESTING")
    public = config.get("PUBLIC_URL")
    if not public:
        raise ConfigError(
            "PUBLIC_URL is not set: set it to the site's address, e.g. https://esim.example.com "
            "(every link in an email is built from it)."
        )
    parts = urlsplit(public)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"PUBLIC_URL={public} is not an address: write it as https://esim.example.com.")
    if local:
        return
    if config.get("PAYMENTS") == "test" and config.get("OPERATOR") != "simulated":
        raise ConfigError(
            f"PAYMENTS=test with OPERATOR={config.get('OPERATOR')} would hand out real eSIMs unpaid: "
            "set OPERATOR=simulated for a demo server, or take real payments with STRIPE_SECRET_KEY."
        )
    if config.get("STRIPE_SECRET_KEY") or config.get("PAYMENTS") == "test":
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
        # The site's address, the base of every link sent away (emails, payment links, QR codes).
        # Production refuses to start without it; development and tests fall back to LOCAL_URL.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "").strip() or None,
        # Host names this site answers for (a leading dot: any subdomain); others get a 400.
        # Unset: PUBLIC_URL's host in production, any host in development.
        "TRUSTED_HOSTS": _trusted_hosts(os.environ.get("TRUSTED_HOSTS")),
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
        # local test bank). See docs/payments.md, "Paying by KHQR".
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
        # How many times the simulated SM-DP+ lets a line's profile be downloaded (its reuse policy).
        "SIM_MAX_DOWNLOADS": int(os.environ.get("SIM_MAX_DOWNLOADS", "3")),
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
        # Telegram (docs/telegram.md): without all three, nothing about Telegram shows or runs.
        "TELEGRAM_BOT_TOKEN": os.environ.get("TELEGRAM_BOT_TOKEN"),
        "TELEGRAM_BOT_USERNAME": (os.environ.get("TELEGRAM_BOT_USERNAME") or "").strip().lstrip("@") or None,
        "TELEGRAM_WEBHOOK_SECRET": os.environ.get("TELEGRAM_WEBHOOK_SECRET"),
        # Another Bot API server (the stand-in scripts/dev starts; a local Bot API server).
        "TELEGRAM_API_BASE": os.environ.get("TELEGRAM_API_BASE") or "https://api.telegram.org",
        "REDIS_URL": os.environ.get("REDIS_URL"),
        # The worker's queue: on Redis when REDIS_URL is set, else this SQLite file (one machine).
        "WORKER_QUEUE_PATH": os.environ.get("WORKER_QUEUE_PATH") or str(instance / "queue.sqlite3"),
        # Portals sharing one Redis need queue names of their own.
        "WORKER_QUEUE_NAME": os.environ.get("WORKER_QUEUE_NAME") or "esim-portal",
        # How long a periodic task's lock outlives its holder's last renewal: a worker killed inside a
        # periodic task delays that task's next run by at most this long.
        "WORKER_LOCK_TTL": float(os.environ.get("WORKER_LOCK_TTL") or 300),
        "SUPPORT_EMAIL": os.environ.get("SUPPORT_EMAIL", "support@esim-cambodia.example"),
        "SUPPORT_PHONE": os.environ.get("SUPPORT_PHONE", "+855 23 000 000"),
        "SELLER_NAME": os.environ.get("SELLER_NAME", "eSIM Cambodia Co., Ltd."),
        "SELLER_ADDRESS": os.environ.get("SELLER_ADDRESS", "No. 1, Preah Norodom Blvd, Phnom Penh, Cambodia"),
        # The same in Khmer and Chinese, for receipts and emails in those languages.
        "SELLER_NAME_KM": os.environ.get("SELLER_NAME_KM", "ក្រុមហ៊ុន eSIM កម្ពុជា ឯ.ក"),
        "SELLER_ADDRESS_KM": os.environ.get("SELLER_ADDRESS_KM", "ផ្ទះលេខ ១ មហាវិថីព្រះនរោត្តម រាជធានីភ្នំពេញ កម្ពុជា"),
        "SELLER_NAME_ZH": os.environ.get("SELLER_NAME_ZH", "柬埔寨 eSIM 有限公司"),
        "SELLER_ADDRESS_ZH": os.environ.get("SELLER_ADDRESS_ZH", "柬埔寨金边诺罗敦大道1号"),
        # The sender's name in each language; the address stays MAIL_FROM's.
        "MAIL_SENDER_NAME_KM": os.environ.get("MAIL_SENDER_NAME_KM", "eSIM កម្ពុជា"),
        "MAIL_SENDER_NAME_ZH": os.environ.get("MAIL_SENDER_NAME_ZH", "柬埔寨 eSIM"),
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL", "memory://"),
        # Redis down: each process counts the same limits in its own memory, with a warning in the
        # log, until Redis answers again (checked at growing intervals, up to half a minute); any
        # other failure of the store is logged and the request goes on. A login never fails for it.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # A Redis that hangs rather than refuses holds a request for at most this long.
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
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
        # Werkzeug's own default (scrypt); tests set a cheap one, as hashing is most of their time.
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD", DEFAULT_PASSWORD_HASH_METHOD),
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", "0")),
        "SESSION_COOKIE_SECURE": not development,
        "REMEMBER_COOKIE_SECURE": not development,
        "PREFERRED_URL_SCHEME": "http" if development else "https",
    }
