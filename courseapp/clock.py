"""The time: one clock that all code reads, the column type that stores it, and days
in a place's time zone.

Times are kept as timezone-aware UTC everywhere: in Python, and in the database
(`timestamp with time zone` on PostgreSQL; UTC text on SQLite). They are turned into
local times only to show them, and a day typed into a filter is turned into the UTC
moments it starts and ends in the organisation's zone.

Tests move time with `clock.set(...)` and `clock.advance(...)` instead of sleeping,
and put it back with `clock.reset()`. This module imports no feature.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

DEFAULT_ZONE = "Europe/London"


class Clock:
    """The current time, which tests may fix or move on."""

    def __init__(self) -> None:
        self._fixed: datetime | None = None

    def now(self) -> datetime:
        return self._fixed if self._fixed is not None else datetime.now(UTC)

    def set(self, moment: datetime) -> None:
        self._fixed = as_utc(moment)

    def advance(self, by: timedelta) -> None:
        self._fixed = self.now() + by

    def reset(self) -> None:
        self._fixed = None


clock = Clock()


def utcnow() -> datetime:
    """Now, timezone-aware, in UTC."""
    return clock.now()


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime. A naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def zone(name: str | None) -> ZoneInfo:
    """The named IANA zone; the default one for a missing or unknown name."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def is_zone(name: str) -> bool:
    return name in zone_names()


def zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def local(moment: datetime, zone_name: str | None) -> datetime:
    """A stored moment as the time on the clocks in that zone."""
    return as_utc(moment).astimezone(zone(zone_name))


def local_today(zone_name: str | None) -> date:
    return local(utcnow(), zone_name).date()


def day_start(day: date, zone_name: str | None) -> datetime:
    """The UTC moment a day begins in a zone (midnight there)."""
    try:
        return datetime.combine(day, time.min, tzinfo=zone(zone_name)).astimezone(UTC)
    except OverflowError:  # the first day there is: before anything we hold
        return datetime.min.replace(tzinfo=UTC)


def day_after(day: date, zone_name: str | None) -> datetime:
    """The UTC moment a day ends in a zone: the start of the next day there."""
    if day == date.max:
        return datetime.max.replace(tzinfo=UTC)
    return day_start(day + timedelta(days=1), zone_name)


class UTCDateTime(TypeDecorator):
    """A DateTime column that takes and gives aware UTC datetimes.

    PostgreSQL keeps `timestamp with time zone`; SQLite has no zones, so the UTC
    time is stored without one and given back marked as UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else as_utc(value)
