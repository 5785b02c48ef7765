"""gunicorn's settings, read from the directory it starts in: an access log without tokens.

The access log is off unless asked for (`--access-logfile -`); when on, each line shows the
path of a reset, payment, cancel or install link with its token replaced by "…".
"""

from gunicorn.glogging import Logger

from app.web.access_log import redact


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {name: redact(value) if isinstance(value, str) else value for name, value in atoms.items()}


logger_class = RedactingLogger
