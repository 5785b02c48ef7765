"""Everything the portal asks of a payment provider is declared in app/payments/base.py.

Read from the source (ast): every attribute the code outside app/payments reads on a provider
(`provider.x`, `get_provider(...).x`, `local_payments(...).x`) must be part of the contract, and
every provider implements all of it.
"""

import ast
import inspect
from pathlib import Path

from app.payments.base import CodeProvider
from app.payments.base import LocalPayments
from app.payments.base import PaymentProvider
from app.payments.khqr_checkout import KhqrCheckout
from app.payments.local_checkout import LocalCheckoutProvider
from app.payments.stripe_checkout import StripeCheckout

APP = Path(__file__).resolve().parent.parent / "app"
CONTRACT = (PaymentProvider, CodeProvider, LocalPayments)
PROVIDERS = (StripeCheckout, LocalCheckoutProvider, KhqrCheckout)
GETTERS = {"get_provider", "local_payments"}


def declared(name):
    return any(name in vars(interface) for interface in CONTRACT)


def _is_getter_call(node):
    return isinstance(node, ast.Call) and getattr(node.func, "id", None) in GETTERS


def provider_attributes(path):
    """(line, attribute) for each attribute read on a provider in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {"provider"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _is_getter_call(node.value):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        on_name = isinstance(node.value, ast.Name) and node.value.id in names
        if on_name or _is_getter_call(node.value):
            yield node.lineno, node.attr


def outside_payments():
    return [path for path in APP.rglob("*.py") if APP / "payments" not in path.parents]


def test_every_attribute_the_portal_reads_on_a_provider_is_declared_in_base():
    seen, undeclared = set(), []
    for path in outside_payments():
        for line, name in provider_attributes(path):
            seen.add(name)
            if not declared(name):
                undeclared.append(f"{path.relative_to(APP.parent)}:{line} .{name}")
    assert not undeclared, "declare these in app/payments/base.py:\n" + "\n".join(undeclared)
    # the scan sees what the services use, so an empty or blind scan cannot pass
    assert {"create_checkout", "retrieve", "fact", "pay", "simulate_payment", "merchant_name"} <= seen


def test_every_provider_implements_the_whole_contract():
    for provider in PROVIDERS:
        assert issubclass(provider, PaymentProvider)
        assert not inspect.isabstract(provider), provider.__abstractmethods__
    assert issubclass(KhqrCheckout, CodeProvider)
    assert issubclass(LocalCheckoutProvider, LocalPayments) and issubclass(KhqrCheckout, LocalPayments)
    assert not issubclass(StripeCheckout, LocalPayments)  # production money has no test operations


def test_a_provider_offers_nothing_beyond_the_contract():
    for provider in PROVIDERS:
        public = {name for name in vars(provider) if not name.startswith("_")}
        assert {name for name in public if not declared(name)} == set(), provider.__name__


def test_the_contract_explains_each_operation():
    for interface in CONTRACT:
        for name, member in vars(interface).items():
            if not name.startswith("_") and (callable(member) or isinstance(member, property)):
                assert inspect.getdoc(member), f"{interface.__name__}.{name} has no docstring"
