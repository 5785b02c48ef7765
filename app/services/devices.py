"""The list of eSIM-capable phones: loaded from a versioned data file, searched by visitors."""

import json
import re
from functools import lru_cache

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


@lru_cache(maxsize=1)
def brand_aliases(path=DATA_FILE):
    """What readers call each brand in their own script (三星, 苹果, សាំសុង...), from the data file."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    return {alias.lower(): brand for brand, names in doc.get("brand_aliases", {}).items() for alias in names}


def _words(query):
    """The visitor's words with brand aliases put as the brand, also when glued to a model ("三星S24")."""
    aliases = brand_aliases()
    words = []
    for word in (query or "").lower().split()[:5]:
        for alias in sorted(aliases, key=len, reverse=True):
            if word.startswith(alias):
                words.append(aliases[alias].lower())
                word = word[len(alias) :]
                break
        if word:
            words.append(word)
    return words


def search(query, limit=25):
    """(matching phones, how many match in all) for words typed by the visitor."""
    matches = Device.select().order_by(Device.sort)
    for word in _words(query):
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
