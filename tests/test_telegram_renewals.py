"""Auto-renew's notices by the customer's channels (Telegram with its button, email as before), and a
merge of two records handing the Telegram chat to the record kept."""

import re
from datetime import timedelta

from support.auto_renew import new_cycle
from support.auto_renew import renewal_orders
from support.auto_renew import run_worker
from support.auto_renew import save_card
from support.auto_renew import turn_on
from support.auto_renew import use_data_until_left
from support.helpers import Auth
from support.helpers import body
from support.helpers import browser
from support.helpers import csrf_token
from support.helpers import in_app
from support.helpers import post_form
from support.helpers import staff_client
from support.helpers import translated
from support.payments import esim_of
from support.telegram import link_chat
from support.telegram import texts

from app.models import NoticeChoice
from app.models import TelegramChat
from app.models import User
from app.models import utcnow
from app.services import accounts
from app.services import reminders
from app.services.demo import DEMO_CUSTOMER

TOMORROW, DECLINED = "Your eSIM renews tomorrow", "We could not renew your eSIM"
RENEWED = "Your eSIM is renewed: receipt for order"


def _speaks(app, email, language):
    in_app(app, lambda: User.update(language=language).where(User.email == email).execute())


def _on_telegram(app, client, fake, chat_id, channels="telegram"):
    link_chat(app, client, fake, chat_id)
    post_form(client, "/profile/telegram/channels", {"channels": channels}, page="/profile")


def _subjects(outbox):
    return [m["Subject"] for m in outbox.messages()]


def _button(message):
    [[button]] = message["reply_markup"]["inline_keyboard"]
    return button["text"], button["url"]


def test_a_linked_khmer_customer_gets_renewing_tomorrow_and_the_decline_with_its_pay_button_once(
    client, auth, seeded, fake_stripe, fake_telegram, outbox
):
    _speaks(seeded, DEMO_CUSTOMER[0], "km")
    auth.login()
    _on_telegram(seeded, client, fake_telegram, 6001)
    save_card(client, fake_stripe, outcome="card_declined")
    turn_on(client, seeded, data_below="0", hours_before="72")
    new_cycle(seeded, days=3.5)
    before = len(texts(fake_telegram, 6001))
    run_worker(seeded)
    run_worker(seeded)
    [tomorrow] = fake_telegram.received(6001)[before:]
    assert translated(seeded, "km", "To change or stop this, open your eSIM's page:") in tomorrow["text"]
    esim = esim_of(seeded)
    assert _button(tomorrow) == (
        translated(seeded, "km", "See my eSIM"),
        f"http://localhost/esims/{esim.id}?lang=km",
    )

    run_worker(seeded, utcnow() + timedelta(hours=13))
    run_worker(seeded, utcnow() + timedelta(hours=13))
    [declined] = fake_telegram.received(6001)[before + 1 :]
    [order] = renewal_orders(seeded)
    assert order.status == "pending" and order.number in declined["text"]
    label, url = _button(declined)
    assert label == translated(seeded, "km", "Pay now")
    path = re.fullmatch(r"http://localhost(/pay/renewal/\S+)\?lang=km", url).group(1)
    assert client.get(path).status_code == 200
    pay = post_form(client, path, {})
    assert pay.status_code == 303 and pay.location.endswith("/pay")
    # Telegram only: no email of either.
    assert TOMORROW not in _subjects(outbox) and DECLINED not in _subjects(outbox)


def test_an_unlinked_customer_gets_the_auto_renew_emails_as_before(
    client, auth, seeded, fake_stripe, fake_telegram, outbox
):
    auth.login()
    save_card(client, fake_stripe, outcome="card_declined")
    turn_on(client, seeded, data_below="0", hours_before="72")
    new_cycle(seeded, days=3.5)
    run_worker(seeded)
    run_worker(seeded, utcnow() + timedelta(hours=13))
    run_worker(seeded, utcnow() + timedelta(hours=13))
    assert _subjects(outbox).count(TOMORROW) == 1 and _subjects(outbox).count(DECLINED) == 1
    assert fake_telegram.received(6002) == [] and in_app(seeded, TelegramChat.select().count) == 0


def test_renewed_goes_by_telegram_and_email_to_a_customer_who_chose_both(
    client, auth, seeded, fake_stripe, fake_telegram, outbox
):
    auth.login()
    _on_telegram(seeded, client, fake_telegram, 6003, channels="both")
    save_card(client, fake_stripe)
    turn_on(client, seeded)
    use_data_until_left(seeded, 9)
    before = len(texts(fake_telegram, 6003))
    run_worker(seeded)
    run_worker(seeded)
    [order] = renewal_orders(seeded)
    assert order.status == "fulfilled"
    sent = fake_telegram.received(6003)[before:]
    [renewed] = [message for message in sent if "Your renewal is done" in message["text"]]
    assert _button(renewed) == ("See my eSIM", f"http://localhost/esims/{order.esim_id}?lang=en")
    assert sum(subject.startswith(RENEWED) for subject in _subjects(outbox)) == 1


def test_balance_too_low_sends_a_khqr_top_up_button(client, auth, seeded, fake_telegram, outbox):
    _speaks(seeded, DEMO_CUSTOMER[0], "zh")
    auth.login()
    _on_telegram(seeded, client, fake_telegram, 6004)
    turn_on(client, seeded, funding="balance")
    use_data_until_left(seeded, 9)
    before = len(texts(fake_telegram, 6004))
    run_worker(seeded)
    run_worker(seeded)
    sent = fake_telegram.received(6004)[before:]
    assert len(sent) == 1
    label, url = _button(sent[0])
    assert label == translated(seeded, "zh", "Top up")
    assert re.fullmatch(r"http://localhost/balance\?amount=\d+&lang=zh#top-up", url), url
    assert translated(seeded, "zh", "Top up your balance by KHQR or card here:") in sent[0]["text"]


def test_a_renewal_over_the_monthly_limit_sends_a_renew_button(
    client, auth, seeded, fake_stripe, fake_telegram, outbox
):
    auth.login()
    _on_telegram(seeded, client, fake_telegram, 6005)
    save_card(client, fake_stripe)
    turn_on(client, seeded, cap="5.00")
    use_data_until_left(seeded, 9)
    run_worker(seeded)
    new_cycle(seeded)
    use_data_until_left(seeded, 9)
    run_worker(seeded)
    run_worker(seeded)
    refused = [m for m in fake_telegram.received(6005) if "monthly limit of $5.00" in m["text"]]
    assert [_button(m) for m in refused] == [
        ("Renew", f"http://localhost/esims/{esim_of(seeded).id}/renew?lang=en")
    ]
    assert "Your eSIM was not renewed automatically" not in _subjects(outbox)


def test_a_renewal_by_date_from_a_short_balance_asks_for_the_top_up_the_day_before_once(
    client, auth, seeded, fake_telegram, outbox
):
    auth.login()
    _on_telegram(seeded, client, fake_telegram, 6006)
    turn_on(client, seeded, funding="balance", data_below="0", hours_before="72")
    new_cycle(seeded, days=3.5)
    before = len(texts(fake_telegram, 6006))
    run_worker(seeded)
    run_worker(seeded)
    tomorrow, top_up = fake_telegram.received(6006)[before:]
    assert "pay $5.00 from your balance" in tomorrow["text"]
    assert "Top up $5.00 or more by KHQR or card" in top_up["text"]
    assert _button(top_up) == ("Top up", "http://localhost/balance?amount=500&lang=en#top-up")
    assert outbox.messages() == []


def test_a_blocked_bot_sends_the_decline_by_email_with_its_link(
    client, auth, seeded, fake_stripe, fake_telegram, outbox
):
    auth.login()
    _on_telegram(seeded, client, fake_telegram, 6007)
    save_card(client, fake_stripe, outcome="card_declined")
    turn_on(client, seeded)
    use_data_until_left(seeded, 9)
    fake_telegram.fail_next(403)
    run_worker(seeded)
    run_worker(seeded)
    assert _chats(seeded) == {}
    [letter] = [m for m in outbox.messages() if m["Subject"] == DECLINED]
    assert "/pay/renewal/" in body(letter)


SECOND = ("dara.second@example.com", "second-pass-12345")


def _second_record_on_telegram(app, fake, chat_id):
    in_app(app, accounts.register, *SECOND, name="", phone="012 345 678")
    phone = browser(app)
    Auth(phone).login(*SECOND)
    _on_telegram(app, phone, fake, chat_id)
    return in_app(app, User.by_email, SECOND[0])


def _merge_into_demo(app, second):
    admin = staff_client(app, "admin@example.com", "lotus-temple-4821", admin=True)
    demo = in_app(app, User.by_email, DEMO_CUSTOMER[0])
    page = f"/support/customers/{demo.id}/merge?other={second.id}"
    answer = admin.post(
        f"/support/customers/{demo.id}/merge",
        data={"other": second.id, "csrf_token": csrf_token(admin, page)},
    )
    assert answer.status_code == 303
    return demo


def _chats(app):
    return in_app(app, lambda: {row.chat_id: row.user_id for row in TelegramChat.select()})


def test_a_merge_hands_the_chat_and_its_choice_to_the_kept_record_that_has_none(seeded, fake_telegram):
    second = _second_record_on_telegram(seeded, fake_telegram, 6101)
    demo = _merge_into_demo(seeded, second)
    assert _chats(seeded) == {6101: demo.id}
    assert in_app(seeded, lambda: NoticeChoice.get(NoticeChoice.user == demo.id).channels) == "telegram"
    # The kept record's eSIM low on data: its reminder reaches the chat that came with the merge.
    use_data_until_left(seeded, 9)
    before = len(texts(fake_telegram, 6101))
    in_app(seeded, reminders.send_due)
    [reminder] = texts(fake_telegram, 6101)[before:]
    assert "of its data" in reminder


def test_a_merge_unlinks_the_other_chat_when_the_kept_record_has_its_own(seeded, client, auth, fake_telegram):
    auth.login()
    _on_telegram(seeded, client, fake_telegram, 6102, channels="both")
    second = _second_record_on_telegram(seeded, fake_telegram, 6103)
    demo = _merge_into_demo(seeded, second)
    assert _chats(seeded) == {6102: demo.id}
    choices = in_app(seeded, lambda: {row.user_id: row.channels for row in NoticeChoice.select()})
    assert choices == {demo.id: "both"}
