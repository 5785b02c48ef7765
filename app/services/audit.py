"""The audit trail as support reads it: each entry's facts, formatted in the reader's language."""

import json

from app.models import Plan
from app.text import money
from app.text import plan_name


def audit_detail(entry):
    """An audit entry's detail for the reader: its facts formatted and translated, or its text."""
    try:
        facts = json.loads(entry.detail) if entry.detail.startswith("{") else None
    except ValueError:
        facts = None
    if not isinstance(facts, dict):
        return entry.detail
    parts = [str(facts[k]) for k in ("order",) if facts.get(k)]
    if facts.get("plan"):
        plan = Plan.get_or_none(Plan.code == facts["plan"])
        parts.append(plan_name(plan) if plan else facts["plan"])
    if facts.get("esim"):
        parts.append(facts["esim"])
    if facts.get("amount_cents") is not None:
        parts.append(money(int(facts["amount_cents"]), facts.get("currency") or "USD"))
    if facts.get("text"):
        parts.append(facts["text"])
    return " · ".join(parts)
