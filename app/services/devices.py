"""The list of eSIM-capable phones: loaded from a versioned data file, searched by visitors."""

import json
import re

from peewee import fn

from app.config import PROJECT_ROOT
from app.extensions import db
from app.models import Device

DATA_FILE = PROJECT_ROOT / "app" / "data" / "devices.json"
IOS_VERSION = re.compile(r"(?:iPhone|CPU) OS (\d+)_(\d+)")


def load_catalogue(path=DATA_FILE):
    """Insert or update every phone in the data file (safe to run again); returns its version."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    with db.atomic():
        if not Device.select().exists():
            rows = [dict(entry, sort=sort) for sort, entry in enumerate(doc["devices"])]
            Device.insert_many(rows).execute()
            return doc["version"]
        for sort, entry in enumerate(doc["devices"]):
            device, created = Device.get_or_create(
                brand=entry["brand"], model=entry["model"], defaults={"note": entry["note"], "sort": sort}
            )
            if not created and (device.note, device.sort) != (entry["note"], sort):
                Device.update(note=entry["note"], sort=sort).where(Device.id == device.id).execute()
    return doc["version"]


def search(query, limit=25):
    """(matching phones, how many match in all) for words typed by the visitor."""
    matches = Device.select().order_by(Device.sort)
    for word in (query or "").lower().split()[:5]:
        matches = matches.where(fn.LOWER(Device.brand.concat(" ").concat(Device.model)).contains(word))
    return list(matches.limit(limit)), matches.count()


def visitor_platform(user_agent):
    """("ios", (major, minor)), ("android", None) or (None, None) from a User-Agent header."""
    ua = user_agent or ""
    if "iPhone" in ua or "iPad" in ua:
        match = IOS_VERSION.search(ua)
        return "ios", (int(match.group(1)), int(match.group(2))) if match else None
    if "Android" in ua:
        return "android", None
    return None, None
