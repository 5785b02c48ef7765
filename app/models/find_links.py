"""One-time links to an eSIM's pages, emailed by /find to whoever knows its email and ICCID."""

from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField

from app.models.base import BaseModel
from app.models.base import utcnow
from app.models.esims import Esim


class FindLink(BaseModel):
    esim = ForeignKeyField(Esim, backref="find_links", on_delete="CASCADE")
    nonce = CharField(unique=True, max_length=32)  # named by the signed link; used_at spends it
    created_at = DateTimeField(default=utcnow)
    used_at = DateTimeField(null=True)

    class Meta:
        table_name = "find_links"
