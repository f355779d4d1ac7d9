"""Lists of people a page at a time: searched by name or email address, sorted by a
column, in two queries (a count and one page) whatever the number of people."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import request, url_for
from sqlalchemy.orm import selectinload

from courseapp.accounts.models import User
from courseapp.extensions import db
from courseapp.organisations.models import Team
from courseapp.reports.data import like_literal

PER_PAGE = 25
SORTS = {
    "name": (User.name,),
    "email": (User.email,),
    "team": (Team.name, User.name),
    "status": (User.active, User.name),
}


@dataclass(frozen=True)
class Listing:
    """One page of a list of people, and how it was asked for."""

    people: list[User]
    total: int
    page: int
    pages: int
    search: str
    sort: str
    descending: bool
    page_arg: str = "page"

    @property
    def first(self) -> int:
        return (self.page - 1) * PER_PAGE + 1 if self.total else 0

    @property
    def last(self) -> int:
        return self.first + len(self.people) - 1 if self.total else 0


def searched(query: sa.Select, search: str) -> sa.Select:
    if not search:
        return query
    pattern = f"%{like_literal(search)}%"
    return query.where(
        sa.or_(User.name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\"))
    )


def people_page(
    query: sa.Select,
    search: str = "",
    sort: str = "name",
    descending: bool = False,
    page: int = 1,
    page_arg: str = "page",
) -> Listing:
    """`query` selects User (with whatever joins and conditions the list needs)."""
    sort = sort if sort in SORTS else "name"
    query = searched(query.outerjoin(Team, Team.id == User.team_id), search.strip())
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(page, 1), pages)
    columns = [*SORTS[sort], User.id]
    order = [column.desc() if descending else column for column in columns]
    people = db.session.scalars(
        query.options(selectinload(User.team))
        .order_by(*order)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    )
    return Listing(list(people), total, page, pages, search.strip(), sort, descending, page_arg)


def listing_args(page_arg: str = "page") -> dict[str, Any]:
    """How the current request asks for a list: ?q=&sort=&order=&<page_arg>=."""
    args = request.args
    return {
        "search": args.get("q", "")[:200],
        "sort": args.get("sort", "name"),
        "descending": args.get("order") == "descending",
        "page": args.get(page_arg, 1, type=int) or 1,
        "page_arg": page_arg,
    }


def url_with(**changes: Any) -> str:
    """This page's address with some query arguments changed (None removes one)."""
    args = request.args.to_dict() | changes
    args = {key: value for key, value in args.items() if value not in (None, "")}
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def pagination(listing: Listing) -> dict[str, Any] | None:
    """Parameters for the GOV.UK pagination component, or None for a single page."""
    if listing.pages <= 1:
        return None
    arg = listing.page_arg
    near = range(max(1, listing.page - 1), min(listing.pages, listing.page + 1) + 1)
    shown = sorted({1, listing.pages, *near})
    items: list[dict[str, Any]] = []
    for number in shown:
        if items and number - items[-1].get("number", number) > 1:
            items.append({"ellipsis": True})
        items.append(
            {"number": number, "href": url_with(**{arg: number}), "current": number == listing.page}
        )
    params: dict[str, Any] = {"items": items, "landmarkLabel": "Pages of people"}
    if listing.page > 1:
        params["previous"] = {"href": url_with(**{arg: listing.page - 1})}
    if listing.page < listing.pages:
        params["next"] = {"href": url_with(**{arg: listing.page + 1})}
    return params
