"""Report figures kept between requests for as long as the data under them is
unchanged. Working them out for 10,000 learners takes seconds; checking whether
anything they rest on has changed takes one small query (versions.current, a counter
per organisation that every change to report data bumps). Figures are kept in Redis
when REDIS_URL is set, so that every replica uses them, and otherwise a few in each
process's memory."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TypeVar

import redis
from flask import Flask, current_app

from courseapp.content.services import course
from courseapp.reports.data import Filters
from courseapp.reports.versions import current

T = TypeVar("T")
KEPT = 16  # figures for this many filter choices at once, per process (in memory)
KEEP_SECONDS = 24 * 3600  # in Redis: figures nobody asks for again go in a day
STORE = "courseapp.report_cache"  # where in app.extensions
PREFIX = "courseapp:reports:"


class MemoryStore:
    def __init__(self) -> None:
        self.kept: OrderedDict[str, object] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str):
        with self.lock:
            if key in self.kept:
                self.kept.move_to_end(key)
                return self.kept[key]
        return None

    def set(self, key: str, value: object) -> None:
        with self.lock:
            self.kept[key] = value
            while len(self.kept) > KEPT:
                self.kept.popitem(last=False)


class RedisStore:
    """Figures pickled in Redis, each signed with SECRET_KEY: only what this app wrote
    is ever unpickled. If Redis cannot be reached the figures are worked out."""

    def __init__(self, url: str, secret: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=2)
        self.secret = secret.encode()

    def _signature(self, body: bytes) -> bytes:
        return hmac.new(self.secret, body, hashlib.sha256).digest()

    def get(self, key: str):
        try:
            found = self.client.get(PREFIX + key)
        except redis.RedisError as error:
            current_app.logger.warning("Report figures not read from Redis: %s", error)
            return None
        if found is None:
            return None
        signature, body = found[:32], found[32:]
        if not hmac.compare_digest(signature, self._signature(body)):
            current_app.logger.warning("Report figures in Redis were not signed by this app")
            return None
        return pickle.loads(body)  # noqa: S301 - signed above: written by this app

    def set(self, key: str, value: object) -> None:
        body = pickle.dumps(value)
        try:
            self.client.set(PREFIX + key, self._signature(body) + body, ex=KEEP_SECONDS)
        except redis.RedisError as error:
            current_app.logger.warning("Report figures not kept in Redis: %s", error)


def _store(app: Flask) -> MemoryStore | RedisStore:
    if STORE not in app.extensions:
        url = app.config.get("REDIS_URL")
        secret = app.config["SECRET_KEY"]
        app.extensions[STORE] = RedisStore(url, secret) if url else MemoryStore()
    return app.extensions[STORE]


def _course_digest(app: Flask) -> str:
    """The course content the figures were worked out with, the same in every replica."""
    key = (STORE + ".course", id(course()))
    if key not in app.extensions:
        digest = hashlib.sha256()
        for folder in (Path(app.config["CONTENT_DIR"]), Path(app.config["QUIZZES_DIR"])):
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
        app.extensions[key] = digest.hexdigest()
    return app.extensions[key]


def _key(kind: Hashable, filters: Filters, version: int) -> str:
    fields = dataclasses.asdict(filters)
    if filters.organisation_ids is not None:
        fields["organisation_ids"] = sorted(filters.organisation_ids)
    text = json.dumps([kind, fields, version], default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def cached(kind: Hashable, filters: Filters, work_out: Callable[[], T]) -> T:
    """The figures of this kind for these filters: kept ones if nothing they rest on has
    changed (nor the course content), otherwise newly worked out, and kept."""
    app = current_app._get_current_object()
    store = _store(app)
    key = _course_digest(app) + _key(kind, filters, current(filters.organisation_ids))
    found = store.get(key)
    if found is not None:
        return found
    value = work_out()
    store.set(key, value)
    return value
