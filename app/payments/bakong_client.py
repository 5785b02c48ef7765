"""A thin client for the two Bakong Open API calls the KHQR connector makes.

Every path, header and body follows "Bakong Open API Documentation" v1.0.2 (National Bank of
Cambodia, 2021; https://api-bakong.nbc.gov.kh/document): section 5, "Check Transaction Status
by MD5", section 4, "Generate Deeplink", and the status and custom code tables of part II.

The bakong-khqr package has a client of its own, but it cannot serve here: its base URL is
fixed in a private attribute (the NBC host, or khqr.dev for "rbk" tokens), and its
check_payment() reads every answer that is not a success as "UNPAID", so a wrong token or an
outage would look like a customer who has not paid yet.
"""

import requests

CHECK_BY_MD5 = "/v1/check_transaction_by_md5"
DEEPLINK = "/v1/generate_deeplink_by_qr"

# Part II, "Custom Code": the errorCode values this client tells apart.
NOT_FOUND = 1  # "Transaction could not be found. Please try again."
TRANSACTION_FAILED = 3  # "Transaction failed."
DEEPLINK_FAILED = 4  # "Error occurred on requesting deeplink from provider."
UNAUTHORIZED = 6  # "Unauthorized."


class BakongError(Exception):
    """No usable answer from Bakong: a timeout, no connection, or an HTTP error without its body."""


class BakongClient:
    def __init__(self, base_url, token, timeout=5.0, session=None):
        # The documentation writes every endpoint as {{baseUrl}}/v1/..., so the base has no /v1.
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.session = session or requests.Session()

    def _post(self, path, body):
        """Bakong's JSON answer to a POST: a dict with responseCode; raises BakongError."""
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = self.session.post(
                self.base_url + path, json=body, headers=headers, timeout=self.timeout
            )
        except requests.Timeout as exc:
            raise BakongError(f"Bakong did not answer within {self.timeout} s") from exc
        except requests.RequestException as exc:
            raise BakongError(f"Bakong could not be reached: {exc}") from exc
        if response.status_code == 401:
            raise BakongError("Bakong refused the token (HTTP 401): renew BAKONG_TOKEN")
        if response.status_code == 429:
            raise BakongError("Bakong asks us to slow down (HTTP 429)")
        try:
            answer = response.json()
        except ValueError:
            answer = None
        # The documented answer comes with a responseCode whatever the HTTP status; without one,
        # the answer is a gateway's or a proxy's, and says nothing about the payment.
        if not isinstance(answer, dict) or "responseCode" not in answer:
            raise BakongError(f"Bakong answered HTTP {response.status_code} without its usual body")
        if answer.get("errorCode") == UNAUTHORIZED:
            raise BakongError("Bakong refused the token (errorCode 6): renew BAKONG_TOKEN")
        return answer

    def check_transaction_by_md5(self, md5):
        """Section 5: the answer for the KHQR whose MD5 is `md5` (paid: responseCode 0 with data)."""
        return self._post(CHECK_BY_MD5, {"md5": md5})

    def generate_deeplink(self, qr, source_info=None):
        """Section 4: a short link that opens a bank app on this KHQR, or None if Bakong made none.

        `source_info` is {"appIconUrl", "appName", "appDeepLinkCallback"}, all three or nothing.
        The documentation asks no Authorization header here; the token is sent anyway, which
        an endpoint that ignores it does not mind.
        """
        body = {"qr": qr}
        if source_info:
            body["sourceInfo"] = source_info
        answer = self._post(DEEPLINK, body)
        data = answer.get("data")
        if answer.get("responseCode") == 0 and isinstance(data, dict):
            return data.get("shortLink") or None
        return None
