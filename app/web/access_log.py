"""Access log lines without the tokens that some links carry in their address.

A reset link (/reset-password/<token>), an agent's payment link (/pay/<token>), a checkout's cancel
link (/checkout/cancel/<token>), a /find link (/find/<token>) and an emailed install link
(?token=...) each open something for whoever holds them. A log line shows where they were used,
never the token itself. gunicorn.conf.py applies this to gunicorn's access log; `init_app` to the
development server's and the app's.
"""

import logging
import re

HIDDEN = "…"
_TOKEN_IN_PATH = re.compile(
    r"(/reset-password/|/pay/|/checkout/cancel/|/find/(?=[^/?#&\s\"]*\.))[^/?#&\s\"]+"
)
_TOKEN_IN_QUERY = re.compile(r"([?&]token=)[^&#\s\"]+")


def redact(text):
    """`text` (a path, a request line or a whole URL) with every token replaced by "…"."""
    return _TOKEN_IN_QUERY.sub(r"\1" + HIDDEN, _TOKEN_IN_PATH.sub(r"\1" + HIDDEN, text))


class RedactTokens(logging.Filter):
    """For werkzeug's request log, whose record carries the request line among its arguments."""

    def filter(self, record):
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


_FILTER = RedactTokens()


def init_app(app):
    logging.getLogger("werkzeug").addFilter(_FILTER)
    app.logger.addFilter(_FILTER)  # "Exception on <path>" names the path too
