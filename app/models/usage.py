"""Usage kept over time: an eSIM's reading, at most one an hour, for its chart and its CSV."""

from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField

from app.models.base import BaseModel
from app.models.catalogue import Plan
from app.models.esims import Esim


class UsageReading(BaseModel):
    """The operator's counters as last read within one hour (`hour`, its start in UTC).

    The counters are cumulative for the package in force; a new package starts them again.
    When that happens within the hour, what the ended package had counted is added to
    `data_earlier_mb` and `minutes_earlier`, so the hour's one row loses none of it.
    """

    esim = ForeignKeyField(Esim, backref="usage_readings", on_delete="CASCADE")
    hour = DateTimeField(index=True)
    read_at = DateTimeField()
    plan = ForeignKeyField(Plan, null=True, on_delete="SET NULL")
    data_used_mb = IntegerField()
    data_total_mb = IntegerField()
    minutes_used = IntegerField(null=True)  # None: the package has no call minutes to count
    data_earlier_mb = IntegerField(default=0)
    minutes_earlier = IntegerField(default=0)

    class Meta:
        table_name = "usage_readings"
        indexes = ((("esim", "hour"), True),)
