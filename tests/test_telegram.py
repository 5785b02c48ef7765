"""Telegram: linking by deep link, notices by the chosen channel, the outbox's 429 and 403, the bot."""

import re
from datetime import timedelta

from support.helpers import in_app
from support.helpers import make_customer
from support.helpers import make_esim
from support.helpers import post_form
from support.helpers import translated
from support.telegram import SETTINGS
from support.telegram import bot_turn
from support.telegram import link_chat
from support.telegram import offered_token
from support.telegram import texts

from app.models import OutgoingTelegram
from app.models import TelegramChat
from app.models import TelegramLinkToken
from app.models import User
from app.models import utcnow
from app.services import reminders
from app.services import telegram_outbox

KM_PASSWORD = "sokha-pass-1234"


def _chat_of(app, email):
    def find():
        row = TelegramChat.select().join(User).where(User.email == email).first()
        return row.chat_id if row else None

    return in_app(app, find)


def _khmer_customer_on_telegram(app, client, auth, fake, chat_id=5001):
    """sokha@example.com, in Khmer, with a low-data eSIM, her chat linked and notices by Telegram only."""
    customer = make_customer(app, "sokha@example.com", KM_PASSWORD, language="km")
    make_esim(app, customer, "8985500000000032001", label="Sokha", days_left=20, data_used_mb=9 * 1024)
    auth.login("sokha@example.com", KM_PASSWORD)
    link_chat(app, client, fake, chat_id)
    post_form(client, "/profile/telegram/channels", {"channels": "telegram"}, page="/profile")
    return customer


def test_without_its_settings_nothing_about_telegram_shows(seeded, client, auth):
    auth.login()
    assert "Telegram" not in client.get("/profile").get_data(as_text=True)
    assert client.post("/webhooks/telegram", json={}).status_code == 404


def test_a_deep_link_links_the_chat_once_and_its_token_is_not_the_account(fake_telegram, client, auth):
    auth.login()
    token = offered_token(client)
    demo = in_app(client.application, User.by_email, "demo@example.com")
    assert str(demo.id) != token and len(token) >= 32
    # Only its hash is kept.
    assert (
        in_app(
            client.application,
            lambda: TelegramLinkToken.select().where(TelegramLinkToken.token_hash == token).count(),
        )
        == 0
    )
    page = client.get("/profile").get_data(as_text=True)
    assert "<svg" in page and "check again" in page
    fake_telegram.type(4001, f"/start {token}")
    bot_turn(client.application)
    assert _chat_of(client.application, "demo@example.com") == 4001
    assert "linked" in texts(fake_telegram, 4001)[-1]
    assert "Unlink Telegram" in client.get("/profile").get_data(as_text=True)

    # The same link again, from another chat: refused in that chat, the account stays with the first.
    fake_telegram.type(4002, f"/start {token}")
    bot_turn(client.application)
    assert "expired or was used already" in texts(fake_telegram, 4002)[-1]
    assert _chat_of(client.application, "demo@example.com") == 4001


def test_an_expired_link_is_refused_in_the_chat(fake_telegram, client, auth):
    app = client.application
    auth.login()
    token = offered_token(client)
    in_app(app, lambda: TelegramLinkToken.update(expires_at=utcnow() - timedelta(seconds=1)).execute())
    fake_telegram.type(4101, f"/start {token}")
    bot_turn(app)
    assert _chat_of(app, "demo@example.com") is None
    assert "expired or was used already" in texts(fake_telegram, 4101)[-1]
    # The profile no longer offers the expired link.
    assert "t.me/esim_test_bot?start=" not in client.get("/profile").get_data(as_text=True)


def test_a_low_data_reminder_goes_once_by_telegram_in_khmer_and_by_email_to_the_unlinked(
    fake_telegram, client, auth, outbox
):
    app = client.application
    _khmer_customer_on_telegram(app, client, auth, fake_telegram)
    demo = in_app(app, User.by_email, "demo@example.com")
    make_esim(app, demo, "8985500000000032002", label="Demo", days_left=20, data_used_mb=9 * 1024)
    before = len(texts(fake_telegram, 5001))
    in_app(app, reminders.send_due)
    in_app(app, reminders.send_due)
    sent = fake_telegram.received(5001)[before:]
    assert len(sent) == 1
    khmer = translated(app, "km", "Renew now so you stay connected. Days and data you have left carry over:")
    assert khmer in sent[0]["text"]
    button = sent[0]["reply_markup"]["inline_keyboard"][0][0]
    assert button["text"] == translated(app, "km", "Renew")
    assert re.search(r"^http://localhost/esims/\d+/renew\?lang=km$", button["url"])
    assert [m["To"] for m in outbox.messages()] == ["demo@example.com"]


def test_a_429_waits_retry_after_then_sends_one_message(fake_telegram, client, auth, outbox):
    app = client.application
    _khmer_customer_on_telegram(app, client, auth, fake_telegram)
    before = len(texts(fake_telegram, 5001))
    fake_telegram.fail_next(429, retry_after=7)
    in_app(app, reminders.send_due)
    assert len(texts(fake_telegram, 5001)) == before
    row = in_app(app, lambda: OutgoingTelegram.select().where(OutgoingTelegram.kind == "reminder").get())
    wait = (row.next_try_at - row.created_at).total_seconds()
    assert 6 <= wait <= 9
    assert in_app(app, telegram_outbox.deliver, row.id, row.next_try_at - timedelta(seconds=1)) is None
    assert in_app(app, telegram_outbox.deliver, row.id, row.next_try_at) == "sent"
    assert in_app(app, telegram_outbox.retry_due, row.next_try_at + timedelta(minutes=5)) == 0
    assert len(texts(fake_telegram, 5001)) == before + 1
    assert outbox.messages() == []


def test_a_403_unlinks_the_chat_and_the_notice_goes_by_email(fake_telegram, client, auth, outbox):
    app = client.application
    _khmer_customer_on_telegram(app, client, auth, fake_telegram)
    before = len(texts(fake_telegram, 5001))
    fake_telegram.fail_next(403)
    in_app(app, reminders.send_due)
    assert _chat_of(app, "sokha@example.com") is None
    assert len(texts(fake_telegram, 5001)) == before
    [letter] = outbox.messages()
    assert letter["To"] == "sokha@example.com"
    assert letter["Subject"] == translated(
        app, "km", "You have used %(percent)d%% of your eSIM data", percent=80
    )
    assert "Link Telegram" in client.get("/profile?lang=en").get_data(as_text=True)


def test_status_answers_with_the_dashboards_figures(fake_telegram, client, auth):
    app = client.application
    demo = in_app(app, User.by_email, "demo@example.com")
    make_esim(app, demo, "8985500000000032003", label="Travel", days_left=12, data_used_mb=3 * 1024)
    auth.login()
    link_chat(app, client, fake_telegram, 6001)
    fake_telegram.type(6001, "/status")
    bot_turn(app)
    answer = texts(fake_telegram, 6001)[-1]
    dashboard = client.get("/dashboard").get_data(as_text=True)
    for figure in re.findall(r'id="data-left-value-\d+">([^<]+)<', dashboard):
        assert figure in answer
    assert "Travel" in answer and "Updated" in answer
    fake_telegram.type(6001, "What’s left?")
    bot_turn(app)
    assert texts(fake_telegram, 6001)[-1] == answer


def test_renew_gives_a_button_to_each_esims_renewal_page(fake_telegram, client, auth):
    app = client.application
    auth.login()
    link_chat(app, client, fake_telegram, 6101)
    fake_telegram.type(6101, "/renew")
    bot_turn(app)
    [message] = fake_telegram.received(6101)[-1:]
    urls = [row[0]["url"] for row in message["reply_markup"]["inline_keyboard"]]
    demo = in_app(app, User.by_email, "demo@example.com")
    ids = in_app(app, lambda: sorted(e.id for e in demo.esims))
    assert sorted(int(re.search(r"/esims/(\d+)/renew", u).group(1)) for u in urls) == ids


def test_an_unlinked_chat_only_hears_how_to_link_in_its_apps_language(fake_telegram, client):
    app = client.application
    fake_telegram.type(6201, "/status")
    fake_telegram.type(6202, "/status", language_code="km")
    bot_turn(app)
    [answer] = texts(fake_telegram, 6201)
    assert "not linked" in answer and "GB" not in answer
    [khmer] = texts(fake_telegram, 6202)
    assert translated(app, "km", "This chat is not linked to an eSIM Cambodia account.") in khmer


def test_a_webhook_with_a_wrong_secret_is_refused_and_does_nothing(fake_telegram, client, auth):
    app = client.application
    auth.login()
    token = offered_token(client)
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 7001, "type": "private"},
            "text": f"/start {token}",
        },
    }
    for secret in (None, "wrong", SETTINGS["TELEGRAM_WEBHOOK_SECRET"] + "x"):
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        assert client.post("/webhooks/telegram", json=update, headers=headers).status_code == 403
    assert _chat_of(app, "demo@example.com") is None
    assert texts(fake_telegram, 7001) == []
    headers = {"X-Telegram-Bot-Api-Secret-Token": SETTINGS["TELEGRAM_WEBHOOK_SECRET"]}
    assert client.post("/webhooks/telegram", json=update, headers=headers).status_code == 200
    assert _chat_of(app, "demo@example.com") == 7001


def test_no_message_after_stop(fake_telegram, client, auth, outbox):
    app = client.application
    _khmer_customer_on_telegram(app, client, auth, fake_telegram)
    fake_telegram.type(5001, "/stop")
    bot_turn(app)
    after_stop = len(texts(fake_telegram, 5001))
    assert _chat_of(app, "sokha@example.com") is None
    in_app(app, reminders.send_due)
    fake_telegram.type(5001, "/status")
    bot_turn(app)
    sent = texts(fake_telegram, 5001)[after_stop:]
    assert len(sent) == 1 and "GB" not in sent[0]  # only how to link, nothing of the account
    assert [m["To"] for m in outbox.messages()] == ["sokha@example.com"]


def test_unlink_from_the_profile(fake_telegram, client, auth):
    app = client.application
    auth.login()
    link_chat(app, client, fake_telegram, 8001)
    answer = post_form(client, "/profile/telegram/unlink", {}, page="/profile")
    assert answer.status_code == 303
    assert _chat_of(app, "demo@example.com") is None
    assert client.post("/profile/telegram/unlink").status_code == 400  # no CSRF token


def test_the_test_chat_shows_what_the_bot_sent_and_types_as_the_customer(fake_telegram, client, auth):
    app = client.application
    auth.login()
    link_chat(app, client, fake_telegram, 9001)
    assert "Open the test chat" in client.get("/profile").get_data(as_text=True)
    page = client.get("/telegram/test-chat").get_data(as_text=True)
    assert "This chat is linked" in page
    answer = post_form(client, "/telegram/test-chat", {"text": "/renew"})
    assert answer.status_code == 303
    bot_turn(app)
    page = client.get("/telegram/test-chat").get_data(as_text=True)
    assert "Which eSIM do you want to renew?" in page and "/renew" in page
    other = make_customer(app, "other@example.com")
    assert client.get(f"/telegram/test-chat?customer={other.id}").status_code == 404


def test_the_test_chat_is_only_for_a_stand_in(fake_telegram, client, auth):
    client.application.config["TELEGRAM_API_BASE"] = "https://api.telegram.org"
    auth.login()
    assert client.get("/telegram/test-chat").status_code == 404
    assert "Open the test chat" not in client.get("/profile").get_data(as_text=True)


def test_payment_received_plan_applied_and_refund_sent_by_telegram(
    fake_telegram, fake_stripe, client, auth, outbox
):
    from support.payments import return_from
    from support.payments import start_checkout

    from app.models import Order
    from app.services import refunds

    app = client.application
    auth.login()
    link_chat(app, client, fake_telegram, 9101)
    post_form(client, "/profile/telegram/channels", {"channels": "telegram"}, page="/profile")
    before = len(texts(fake_telegram, 9101))
    order, sid = start_checkout(client, app)
    fake_stripe.complete(sid)
    return_from(client, sid)
    order = in_app(app, Order.get_by_id, order.id)
    assert order.status == "fulfilled"
    payment, applied = fake_telegram.received(9101)[before:]
    assert f"order {order.number}" in payment["text"]
    assert (
        payment["reply_markup"]["inline_keyboard"][0][0]["url"]
        == f"http://localhost/orders/{order.id}?lang=en"
    )
    assert "Your renewal is done" in applied["text"]  # a renewal's plan applied: the "renewed" notice
    assert "\nNew expiry date: " in applied["text"]
    assert (
        applied["reply_markup"]["inline_keyboard"][0][0]["url"]
        == f"http://localhost/esims/{order.esim_id}?lang=en"
    )
    in_app(app, refunds.refund, order, order.amount_cents, "staff")
    assert "We sent a refund" in texts(fake_telegram, 9101)[-1]


def test_a_chat_linked_to_another_customer_never_gets_the_first_ones_messages(fake_telegram, client, auth):
    app = client.application
    demo = in_app(app, User.by_email, "demo@example.com")
    make_esim(app, demo, "8985500000000032004", label="DemoLow", days_left=20, data_used_mb=9 * 1024)
    auth.login()
    link_chat(app, client, fake_telegram, 9201)
    post_form(client, "/profile/telegram/channels", {"channels": "telegram"}, page="/profile")
    fake_telegram.fail_next(500)
    in_app(app, reminders.send_due)  # demo's reminder waits for its next try
    auth.logout()
    make_customer(app, "dara@example.com", "dara-pass-12345")
    auth.login("dara@example.com", "dara-pass-12345")
    link_chat(app, client, fake_telegram, 9201)
    assert _chat_of(app, "demo@example.com") is None
    row = in_app(app, lambda: OutgoingTelegram.get(OutgoingTelegram.kind == "reminder"))
    assert in_app(app, telegram_outbox.deliver, row.id, row.next_try_at) == "dropped"
    assert not any("DemoLow" in text for text in texts(fake_telegram, 9201))


def test_each_update_is_answered_once_and_anything_else_gets_the_help(fake_telegram, client, auth):
    app = client.application
    auth.login()
    link_chat(app, client, fake_telegram, 9301)
    fake_telegram.type(9301, "hello?")
    bot_turn(app)
    bot_turn(app)  # the offset kept in the database: the same update is not answered again
    after = texts(fake_telegram, 9301)[1:]
    assert len(after) == 1 and "/status" in after[0] and "/renew" in after[0]


def test_the_cli_sets_the_webhook_with_its_secret_only_on_https(fake_telegram, seeded):
    runner = seeded.test_cli_runner()
    refused = runner.invoke(args=["telegram-webhook"])
    assert refused.exit_code != 0 and "HTTPS" in refused.output
    seeded.config["PUBLIC_URL"] = "https://esim.example.com"
    done = runner.invoke(args=["telegram-webhook"])
    assert done.exit_code == 0, done.output
    assert fake_telegram.webhook == {
        "url": "https://esim.example.com/webhooks/telegram",
        "secret_token": SETTINGS["TELEGRAM_WEBHOOK_SECRET"],
    }


def test_staff_open_a_customers_test_chat(fake_telegram, client, auth):
    from app.services.demo import DEMO_AGENT

    app = client.application
    demo = in_app(app, User.by_email, "demo@example.com")
    auth.login(*DEMO_AGENT)
    assert client.get(f"/telegram/test-chat?customer={demo.id}").status_code == 200
    agent = in_app(app, User.by_email, DEMO_AGENT[0])
    assert client.get(f"/telegram/test-chat?customer={agent.id}").status_code == 200  # their own


def test_both_channels_get_the_reminder_and_every_notice_kind_has_its_message(
    fake_telegram, client, auth, outbox
):
    from app.config import PROJECT_ROOT
    from app.services import notices

    for kind in notices.KINDS.values():
        assert (PROJECT_ROOT / "app" / "templates" / "telegram" / f"{kind.template}.txt").exists()
    app = client.application
    _khmer_customer_on_telegram(app, client, auth, fake_telegram)
    post_form(client, "/profile/telegram/channels", {"channels": "both"}, page="/profile")
    before = len(texts(fake_telegram, 5001))
    in_app(app, reminders.send_due)
    assert len(texts(fake_telegram, 5001)) == before + 1
    assert [m["To"] for m in outbox.messages()] == ["sokha@example.com"]
    refused = post_form(client, "/profile/telegram/channels", {"channels": "pigeon"}, page="/profile")
    assert refused.status_code == 303
    assert translated(app, "km", "Choose email, Telegram, or both.") in client.get("/profile").get_data(
        as_text=True
    )
