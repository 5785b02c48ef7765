"""Commands: flask --app wsgi init-db | load-plans | seed-demo | worker | translate ..."""

import subprocess
import sys

import click

from app import database
from app.config import PROJECT_ROOT
from app.services import accounts
from app.services import demo
from app.services import devices
from app.web.fields import PASSWORD_MAX
from app.web.fields import PASSWORD_MIN


def _pybabel(*args):
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=PROJECT_ROOT)


def _password_problem(password, email):
    """Why a staff account's new password is refused, by the rules of the sign-up form; None if it is not."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return f"The password needs {PASSWORD_MIN} to {PASSWORD_MAX} characters."
    if accounts.contains_personal_details(password, email):
        return "The password must not contain the email address or its part before the @."
    if accounts.too_easy_to_guess(password, email):
        return "This password is too easy to guess (a common password or a simple pattern)."
    return None


def demo_allowed(config, demo_server):
    """The demo logins are public knowledge: never on a site that takes real money or buys real eSIMs."""
    if config.get("DEVELOPMENT") or config.get("TESTING"):
        return True
    return demo_server and config.get("PAYMENTS") == "test" and config.get("OPERATOR") == "simulated"


def init_app(app):
    from app import telegram_cli

    telegram_cli.init_app(app)

    @app.cli.command("init-db")
    def init_db():
        """Create or migrate the database schema (safe to run again)."""
        applied = database.migrate()
        click.echo(f"Applied {len(applied)} migration(s)." if applied else "Schema is up to date.")
        click.echo(f"Device list {devices.load_catalogue()} loaded.")

    @app.cli.command("load-plans")
    def load_plans():
        """Load the plans on sale and the device list, no accounts (safe to run again, also in production).

        With an operator that has a catalogue (OPERATOR=airalo) its packages, as sync-plans does;
        otherwise the portal's built-in plans.
        """
        from app.operators import OperatorError
        from app.services import catalogue_seed

        database.migrate()
        try:
            added, updated, withdrawn = catalogue_seed.load_plans()
        except OperatorError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Plans: {added} added, {updated} updated, {withdrawn} withdrawn.")
        click.echo(f"Device list {devices.load_catalogue()} loaded.")

    @app.cli.command("seed-demo")
    @click.option(
        "--demo-server",
        is_flag=True,
        help="Seed outside development too: a PAYMENTS=test, OPERATOR=simulated demo server.",
    )
    def seed_demo(demo_server):
        """Load plans, devices, promo codes and the demo accounts (safe to run again)."""
        if not demo_allowed(app.config, demo_server):
            raise click.ClickException(
                "seed-demo creates logins whose passwords the README prints: it runs with "
                "APP_ENV=development, or with --demo-server on a PAYMENTS=test, OPERATOR=simulated server."
            )
        database.migrate()
        devices.load_catalogue()
        demo.seed()
        demo.seed_balance()
        click.echo("Demo data ready: demo@example.com / demo-pass-1234, agent@example.com / agent-pass-1234")

    @app.cli.command("simulate-usage")
    @click.argument("esim_id", type=int)
    @click.argument("data_mb", type=click.IntRange(min=1))
    def simulate_usage(esim_id, data_mb):
        """Test and demo: the simulated operator records DATA_MB more used on eSIM ESIM_ID."""
        from flask import current_app

        from app.payments import test_mode

        config = current_app.config
        if config.get("OPERATOR", "simulated") != "simulated" or not (test_mode() or config.get("TESTING")):
            raise click.ClickException(
                "simulate-usage runs only with test payments and the simulated operator."
            )
        esim = demo.simulate_usage(esim_id, data_mb)
        if esim is None:
            raise click.ClickException(f"No eSIM {esim_id}.")
        left = max(0, esim.data_total_mb - esim.data_used_mb)
        click.echo(f"eSIM {esim_id}: {esim.data_used_mb} MB used, {left} MB of {esim.data_total_mb} MB left.")

    @app.cli.command("create-agent")
    @click.argument("email")
    @click.option("--admin", is_flag=True, help="Make an admin, who may also mark refunds.")
    @click.option("--password", help="For a new account; asked for when not given.")
    @click.option("--language", type=click.Choice(["en", "km", "zh"]), default="en")
    def create_agent(email, admin, password, language):
        """Create a support agent (or, with --admin, an admin), or promote an existing account."""
        from app.models import User

        role = "admin" if admin else "agent"
        user = User.by_email(email)
        if user is None:
            if password is None:
                password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
            problem = _password_problem(password, email)
            if problem:
                raise click.ClickException(problem)
            user = accounts.register(email, password, language=language, role=role)
        else:
            User.update(role=role).where(User.id == user.id).execute()
        click.echo(f"{user.email} is now {'an admin' if admin else 'an agent'}.")

    @app.cli.command("create-admin")
    @click.argument("email")
    @click.option("--password", help="For a new account; asked for when not given.")
    @click.pass_context
    def create_admin(ctx, email, password):
        """Create an admin (the same as create-agent --admin)."""
        ctx.invoke(create_agent, email=email, admin=True, password=password, language="en")

    @app.cli.command("send-reminders")
    def send_reminders():
        """Email reminders before expiry and at 80 % of data (run from cron, e.g. hourly)."""
        from app.services import reminders

        click.echo(f"Sent {reminders.send_due()} reminder(s).")

    @app.cli.command("expire-orders")
    def expire_orders():
        """Expire pending orders whose checkout ran out (run from cron every few minutes)."""
        from app.services import abandoned_orders

        click.echo(f"Expired {abandoned_orders.expire()} order(s).")

    @app.cli.command("sync-plans")
    def sync_plans():
        """Load the operator's Cambodia packages as plans at our price (run daily from cron)."""
        from app.operators import OperatorError
        from app.services import catalogue

        try:
            result = catalogue.sync_from_operator()
        except OperatorError as exc:
            raise click.ClickException(str(exc)) from exc
        if result is None:
            raise click.ClickException(f"OPERATOR={app.config['OPERATOR']} has no catalogue to sync.")
        added, updated, withdrawn = result
        click.echo(f"Plans: {added} added, {updated} updated, {withdrawn} withdrawn.")

    @app.cli.command("reconcile")
    def reconcile():
        """Settle orders the operator left unanswered (run from cron every few minutes)."""
        from app.services import reconciliation

        outcome = reconciliation.reconcile()
        click.echo(
            "Reconciled {total} order(s): {fulfilled} fulfilled, {failed} failed, {applying} waiting.".format(
                total=sum(outcome.values()), **outcome
            )
        )

    @app.cli.command("worker")
    @click.option("--workers", default=2, show_default=True, help="Threads that run tasks.")
    def worker(workers):
        """Run the background worker: paid orders, emails, and the periodic tasks (no cron needed)."""
        from app import tasks  # noqa: F401 - declares every task, for the consumer to know
        from app import worker as queue

        queue.run_consumer(workers)

    @app.cli.group()
    def translate():
        """Extract, update and compile the en, km and zh catalogs."""

    @translate.command()
    def extract():
        """Collect every marked string into translations/messages.pot."""
        _pybabel(
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "--no-location",
            "--sort-output",
            "-o",
            "translations/messages.pot",
            ".",
        )

    @translate.command()
    def update():
        """Extract, then merge new strings into each language's catalog."""
        extract.callback()
        _pybabel("update", "-i", "translations/messages.pot", "-d", "translations", "--no-fuzzy-matching")

    @translate.command()
    def compile():
        """Build the .mo files the app reads."""
        _pybabel("compile", "-d", "translations")
