"""A thin HTTP client for Airalo's Partner API v2: the access token, timeouts and safe retries.

Thin on purpose, instead of airalo-sdk: that package hard-codes the production
address and keeps its token in pickled files under the temp directory.
"""

import hashlib
import time
from datetime import timedelta

import requests

from app.models import OperatorToken
from app.models import utcnow
from app.operators.base import OperatorBusy
from app.operators.base import OperatorError
from app.operators.base import OperatorRefused
from app.operators.base import OperatorTimeout

# A read told to come back later (429) waits at most this long, once; longer and it fails.
MAX_RETRY_AFTER = 10


class AiraloError(OperatorError):
    """Airalo refused the request (4xx), e.g. 422 for an invalid package or a recycled eSIM."""

    def __init__(self, message, status=0):
        super().__init__(message)
        self.status = status


class AiraloRefused(AiraloError, OperatorRefused):
    """A 4xx other than 429: Airalo understood the request and will not do it."""


def _lifetime(expires_in):
    """Keep a token until shortly before Airalo says it expires (an hour early for a year's token)."""
    margin = min(3600, max(30, expires_in // 10))
    return timedelta(seconds=max(0, expires_in - margin))


class DatabaseTokens:
    """The token in a small table, so every worker and cron run shares one."""

    def __init__(self, name):
        self.name = name

    def get(self):
        row = OperatorToken.get_or_none(OperatorToken.name == self.name, OperatorToken.expires_at > utcnow())
        return row.token if row else None

    def put(self, token, expires_in):
        expires_at = utcnow() + _lifetime(expires_in)
        (
            OperatorToken.insert(name=self.name, token=token, expires_at=expires_at)
            .on_conflict(
                conflict_target=[OperatorToken.name],
                update={OperatorToken.token: token, OperatorToken.expires_at: expires_at},
            )
            .execute()
        )

    def drop(self):
        OperatorToken.delete().where(OperatorToken.name == self.name).execute()


class RedisTokens:
    """The token in Redis (when REDIS_URL is set), expiring there by itself."""

    def __init__(self, name, url):
        import redis

        self.name = name
        self.redis = redis.Redis.from_url(url)

    def get(self):
        value = self.redis.get(self.name)
        return value.decode() if value else None

    def put(self, token, expires_in):
        self.redis.set(self.name, token, ex=max(1, int(_lifetime(expires_in).total_seconds())))

    def drop(self):
        self.redis.delete(self.name)


def _message(response):
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    meta = body.get("meta") or {} if isinstance(body, dict) else {}
    details = body.get("data") if isinstance(body, dict) else None
    message = meta.get("message") or ""
    return f"{message} {details}" if details else message


def _retry_after(response):
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


class AiraloClient:
    def __init__(self, config):
        self.base = (config.get("AIRALO_API_BASE") or "").rstrip("/")
        self.client_id = config.get("AIRALO_CLIENT_ID") or ""
        self.client_secret = config.get("AIRALO_CLIENT_SECRET") or ""
        self.timeout = float(config.get("AIRALO_TIMEOUT") or 30)
        # One token per account and environment: a sandbox token is no good in production.
        name = "airalo:" + hashlib.sha256(f"{self.base}|{self.client_id}".encode()).hexdigest()[:16]
        redis_url = config.get("REDIS_URL")
        self.tokens = RedisTokens(name, redis_url) if redis_url else DatabaseTokens(name)

    def _new_token(self):
        if not (self.base and self.client_id and self.client_secret):
            raise OperatorError("AIRALO_API_BASE, AIRALO_CLIENT_ID and AIRALO_CLIENT_SECRET must be set")
        form = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "grant_type": "client_credentials",
        }
        try:
            response = requests.post(
                self.base + "/token", data=form, headers={"Accept": "application/json"}, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise OperatorError(f"Airalo token request failed: {exc}") from exc
        if response.status_code != 200:
            raise AiraloError(f"Airalo refused the token request: {_message(response)}", response.status_code)
        data = response.json()["data"]
        self.tokens.put(data["access_token"], int(data.get("expires_in") or 3600))
        return data["access_token"]

    def token(self):
        return self.tokens.get() or self._new_token()

    def get(self, path, params=None):
        return self._call("GET", path, params=params, write=False)

    def post(self, path, form, as_json=False):
        """A request that buys something: when its outcome is unknown it raises OperatorTimeout.

        Sent as a form, or as JSON where the page documents a JSON body ("Refund request").
        """
        return self._call("POST", path, data=form, write=True, as_json=as_json)

    def _call(self, method, path, params=None, data=None, write=False, as_json=False):
        renewed = waited = False
        while True:
            headers = {"Accept": "application/json", "Authorization": f"Bearer {self.token()}"}
            try:
                body = {"json": data} if as_json else {"data": data}
                response = requests.request(
                    method, self.base + path, params=params, headers=headers, timeout=self.timeout, **body
                )
            except (requests.Timeout, requests.ConnectionError) as exc:
                if write:
                    raise OperatorTimeout(f"no answer from Airalo to {method} {path}: {exc}") from exc
                raise OperatorError(f"no answer from Airalo to {method} {path}: {exc}") from exc
            except requests.RequestException as exc:
                raise OperatorError(f"Airalo request {method} {path} failed: {exc}") from exc
            if response.status_code == 401 and not renewed:
                # The token expired or was revoked early; a 401 bought nothing, so asking again is safe.
                self.tokens.drop()
                renewed = True
                continue
            if response.status_code == 429:
                # "Rate limits": nothing was done. A short wait is waited out once (reads only);
                # otherwise the worker asks again after Retry-After.
                delay = _retry_after(response)
                if not write and not waited and delay is not None and delay <= MAX_RETRY_AFTER:
                    time.sleep(delay)
                    waited = True
                    continue
                raise OperatorBusy(f"Airalo asks to wait before {method} {path}", retry_after=delay or 60)
            if response.status_code >= 500 and write:
                # A gateway error may come after the order was taken: treat it as unanswered.
                raise OperatorTimeout(f"Airalo answered {response.status_code} to {method} {path}")
            if response.status_code >= 400:
                refused = response.status_code < 500 and response.status_code != 429
                raise (AiraloRefused if refused else AiraloError)(
                    f"Airalo answered {response.status_code} to {method} {path}: {_message(response)}",
                    response.status_code,
                )
            try:
                return response.json()
            except ValueError as exc:
                error = OperatorTimeout if write else OperatorError
                raise error(f"Airalo sent no JSON for {method} {path}") from exc
