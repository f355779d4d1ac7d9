"""Each module's printable one-page summary, and when the module was last reviewed."""

from __future__ import annotations

import pytest
from markupsafe import escape

from courseapp.catalogue import course
from courseapp.config import Config
from tests.conftest import login

MODULE_IDS = sorted(path.stem for path in (Config.CONTENT_DIR / "modules").glob("*.md"))


@pytest.mark.parametrize("module_id", MODULE_IDS)
def test_every_module_has_a_summary_page_linked_from_it(client, make_learner, module_id):
    login(client, make_learner(pathway="core", modules=True))
    module = course().modules[module_id]
    summary = module.meta.summary
    page = client.get(f"/modules/{module_id}/summary")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for heading in ("What to remember", "A question to ask", "A phrase to avoid",
                    "A phrase to use instead"):  # fmt: skip
        assert heading in html
    for text in [*summary.remember, summary.ask, summary.avoid, summary.use]:
        assert str(escape(text)) in html
    reviewed = module.meta.reviewed
    assert f'<time datetime="{reviewed.isoformat()}">' in html
    assert 'class="govuk-grid-row app-summary"' in html  # the print layout


def test_the_module_overview_links_the_summary_and_shows_the_review_date(client, make_learner):
    login(client, make_learner())
    html = client.get("/modules/why-change").get_data(as_text=True)
    assert 'href="/modules/why-change/summary"' in html
    assert 'Last reviewed: <time datetime="2026-12-07">7 December 2026</time>' in html


def test_summaries_need_signing_in_and_an_existing_module(client, make_learner):
    assert client.get("/modules/welcome/summary").status_code == 302
    login(client, make_learner())
    assert client.get("/modules/no-such-module/summary").status_code == 404
