"""Report figures kept between requests for as long as the data under them is
unchanged. Working them out for 10,000 learners takes seconds; checking whether
anything they rest on has changed takes one small query (data.version). Each process
keeps its own few, so a new figure is worked out once in each."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app

from courseapp.content.services import course
from courseapp.reports.data import Filters, version

T = TypeVar("T")
KEPT = 16  # figures for this many filter choices at once, per process
REPORT_CACHE = "courseapp.report_cache"  # where in app.extensions
_lock = threading.Lock()


def cached(kind: Hashable, filters: Filters, work_out: Callable[[], T]) -> T:
    """The figures of this kind for these filters: kept ones if nothing they rest on has
    changed (nor the course content), otherwise newly worked out, and kept."""
    kept: OrderedDict = current_app.extensions.setdefault(REPORT_CACHE, OrderedDict())
    key = (kind, filters, id(course()), version(filters))
    with _lock:
        if key in kept:
            kept.move_to_end(key)
            return kept[key]
    value = work_out()
    with _lock:
        kept[key] = value
        while len(kept) > KEPT:
            kept.popitem(last=False)
    return value
