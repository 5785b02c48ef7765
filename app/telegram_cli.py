"""Commands: flask --app wsgi telegram-webhook | telegram-poll | telegram-standin."""

import time

import click

from app.messengers.base import MessengerError


def init_app(app):
    @app.cli.command("telegram-webhook")
    @click.option("--delete", is_flag=True, help="Stop the webhook (updates are then polled by the worker).")
    def telegram_webhook(delete):
        """Tell Telegram (setWebhook) to post updates to /webhooks/telegram on PUBLIC_URL, with the secret."""
        from app.messengers import get_messenger
        from app.messengers import telegram_configured
        from app.services import telegram_updates

        if not telegram_configured():
            raise click.ClickException(
                "Set TELEGRAM_BOT_TOKEN, TELEGRAM_BOT_USERNAME and TELEGRAM_WEBHOOK_SECRET."
            )
        try:
            if delete:
                get_messenger().set_webhook("", "")
                click.echo("Webhook removed: the worker polls getUpdates.")
                return
            if not telegram_updates.uses_webhook():
                raise click.ClickException(
                    "PUBLIC_URL is not https://: Telegram posts webhooks to HTTPS only."
                )
            click.echo(f"Webhook set: {telegram_updates.set_webhook()}")
        except MessengerError as exc:
            raise click.ClickException(f"Telegram refused: {exc}") from None

    @app.cli.command("telegram-poll")
    @click.option("--seconds", default=50, show_default=True)
    def telegram_poll(seconds):
        """Answer what people typed to the bot (getUpdates) for about this long, as the worker does."""
        from app.services import telegram_updates

        click.echo(f"{telegram_updates.poll(seconds)} message(s) answered.")

    @app.cli.command("telegram-standin")
    @click.option("--port", default=5081, show_default=True)
    def telegram_standin(port):
        """Run the Bot API stand-in (the demo's Telegram), at http://127.0.0.1:<port>."""
        from app.messengers import standin

        config = app.config
        fake = standin.FakeTelegram(
            config["TELEGRAM_BOT_TOKEN"] or "123456:standin",
            config["TELEGRAM_BOT_USERNAME"] or "esim_cambodia_demo_bot",
        )
        _fake, url, server = standin.start(port=port, fake=fake)
        click.echo(f"Telegram stand-in at {url}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            server.shutdown()
