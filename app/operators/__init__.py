"""The mobile operator behind the eSIMs, chosen by the OPERATOR setting."""

from flask import current_app

from app.operators.base import OperatorBusy
from app.operators.base import OperatorError
from app.operators.base import OperatorRefused
from app.operators.base import OperatorTimeout


def get_operator():
    """The configured operator connector for this app."""
    name = current_app.config["OPERATOR"]
    if name == "simulated":
        from app.operators.simulated import SimulatedOperator

        return SimulatedOperator(current_app.config)
    if name == "airalo":
        from app.operators.airalo import AiraloOperator

        return AiraloOperator(current_app.config)
    raise OperatorError(f"unknown operator {name!r}")


__all__ = ["OperatorBusy", "OperatorError", "OperatorRefused", "OperatorTimeout", "get_operator"]
