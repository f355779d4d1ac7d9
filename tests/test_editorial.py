"""The editorial checks of `flask content check`: own words against the real source
documents, one name one person, content notes, table captions, plain language."""

from __future__ import annotations

from pathlib import Path

import pytest

from courseapp.config import Config
from courseapp.content import copying, editorial
from courseapp.content.copying import seed_sentences
from courseapp.content.prose import Sentence, body_lines, sentences, words
from courseapp.content.readability import MAX_SENTENCE_WORDS, MIN_READING_EASE, measure
from tests.conftest import build_app, login, sqlite_url
from tests.test_content import copy, edit  # noqa: F401 - the fixture and helper

SEEDS = Config.SEEDS_DIR


@pytest.fixture(scope="module")
def seeds() -> Path:
    """The real source documents. They sit beside the project in CI; elsewhere set
    SEEDS_DIR. Never skipped: the own-words check must be tested against them."""
    assert SEEDS.is_dir(), f"the source documents are not at {SEEDS}: set SEEDS_DIR"
    return SEEDS


def check(folder: Path, seeds_dir: Path):
    app = build_app(sqlite_url(folder), folder, CONTENT_DIR=folder / "content",
                    QUIZZES_DIR=folder / "quizzes", SEEDS_DIR=seeds_dir)  # fmt: skip
    return app.test_cli_runner().invoke(args=["content", "check"])


def test_the_real_content_is_in_our_own_words(copy, seeds):  # noqa: F811
    result = check(copy, seeds)
    assert result.exit_code == 0, result.output
    assert "skipped" not in result.output


def test_a_module_that_copies_a_source_sentence_fails(copy, seeds):  # noqa: F811
    _, sentence = next(
        (name, text) for name, text in seed_sentences(seeds) if len(words(text)) >= 12
    )
    module = copy / "content/modules/why-change.md"
    edit(module, "## The \"failure to protect\" narrative\n",
         f"## The \"failure to protect\" narrative\n\n{sentence}\n")  # fmt: skip
    result = check(copy, seeds)
    assert result.exit_code != 0
    assert "why-change.md" in result.output
    assert "too close to the source document" in result.output


def test_a_sentence_with_a_few_words_changed_still_fails(copy, seeds):  # noqa: F811
    source = (
        "Research has shown that domestic abuse victims can engage poorly with social work "
        "services if they feel they are treated as though they have failed to protect "
        "their children"
    )
    assert any(source in text for _, text in seed_sentences(seeds))
    close = (
        source.replace("has shown", "shows")
        .replace("services if", "teams when")
        .replace("as though", "like")
        .replace("failed to", "not tried to")
        + "."
    )
    heading = "## Mapping the whole pattern\n"
    edit(copy / "content/modules/pattern-of-coercive-control.md", heading, f"{heading}\n{close}\n")
    result = check(copy, seeds)
    assert result.exit_code != 0
    assert "pattern-of-coercive-control.md" in result.output
    assert "too close to the source document 001_" in result.output


def test_a_paraphrase_with_no_long_run_is_caught_by_word_pairs(seeds):
    """Every run of eight words broken, but most word pairs kept: still a match."""
    source = copying.sources(seeds)
    close = (
        "Research has shown that domestic abuse victims may engage poorly with social "
        "work teams if they feel they are treated as if they have failed to keep safe "
        "their children."
    )
    match = source.match(Sentence(1, close), [])
    assert match is not None and "of its word pairs are in" in match.reason
    own = Sentence(1, "Survivors who feel blamed for the abuse often pull away from social work.")
    assert source.match(own, []) is None


def test_an_allow_listed_quotation_passes_and_the_list_is_needed(copy, seeds):  # noqa: F811
    allowed = copy / "content" / editorial.ALLOW_LIST
    allowed.write_text(allowed.read_text().replace("Why isn't he seeing the children?\n", ""))
    edit(allowed, "Can you help me understand the risks and benefits", "# removed")
    result = check(copy, seeds)
    assert result.exit_code != 0
    assert "language-and-documentation.md" in result.output


def test_without_the_sources_the_check_is_skipped_with_a_notice(copy, tmp_path):  # noqa: F811
    result = check(copy, tmp_path / "no-seeds")
    assert result.exit_code == 0, result.output
    assert "Own-words check skipped" in result.output


def test_a_name_used_for_a_second_person_fails(copy, seeds):  # noqa: F811
    # Kian is a child in a schools exercise; here he would be someone else.
    heading = "## Where the evidence comes from\n"
    edit(copy / "content/modules/evidence.md", heading,
         f"{heading}\nA manager, Kian, asks what the studies show.\n")  # fmt: skip
    result = check(copy, seeds)
    assert result.exit_code != 0
    assert "evidence.md" in result.output
    assert "'Kian' is already one person in cast.yaml (boy, 9, missing Mondays" in result.output
    assert "makes a second person" in result.output


def _list_first(project, person: str) -> None:
    """Put a person (YAML lines) at the head of the copied project's cast."""
    cast = project / "content/cast.yaml"
    cast.write_text(cast.read_text().replace("people:\n", f"people:\n{person}", 1))


def test_an_unlisted_name_and_a_name_listed_twice_fail(copy, seeds):  # noqa: F811
    edit(copy / "content/modules/harm-to-children.md", "## Multiple pathways to harm\n",
         "## Multiple pathways to harm\n\nHer neighbour, Bartholomew, heard it all.\n")  # fmt: skip
    _list_first(copy, "  - name: Leah\n    role: a teacher\n    where: everywhere\n")
    result = check(copy, seeds)
    assert result.exit_code != 0
    assert "'Bartholomew' looks like a name but is not in cast.yaml" in result.output
    assert "'Leah' is listed twice: a name must be one person" in result.output


def test_a_listed_person_who_appears_nowhere_fails(copy, seeds):  # noqa: F811
    """When an example is cut, its people go from the cast too."""
    _list_first(copy, "  - name: Rowena\n    role: a case cut long ago\n    where: everywhere\n")
    result = check(copy, seeds)
    assert result.exit_code != 0
    assert "cast.yaml:10: 'Rowena' appears nowhere in the course: remove the entry" in result.output


def test_a_module_describing_violence_needs_a_content_note(copy, seeds):  # noqa: F811
    module = copy / "content/modules/harm-to-children.md"
    text = module.read_text()
    start = text.index('!!! warning "Content note"')
    end = text.index("## From the pattern to the child")
    module.write_text(text[:start] + text[end:])
    result = check(copy, seeds)
    assert result.exit_code != 0
    assert "harm-to-children.md:1: line" in result.output
    assert "describes violence" in result.output


def test_every_table_needs_a_heading_or_caption(copy, seeds):  # noqa: F811
    edit(copy / "content/modules/welcome.md",
         "Table: The steps of the course and whether each one counts\n\n", "")  # fmt: skip
    result = check(copy, seeds)
    assert result.exit_code != 0
    assert "a table needs a heading or a 'Table: ...' caption line above it" in result.output


def test_a_practice_box_must_say_it_is_general_practice(copy, seeds):  # noqa: F811
    edit(copy / "content/modules/briefing-what-you-may-notice.md",
         '!!! practice "General safeguarding practice"', '!!! practice "Tip"')  # fmt: skip
    result = check(copy, seeds)
    assert 'a practice box must be titled "General safeguarding practice"' in result.output


@pytest.mark.parametrize("reviewed", ["2999-01-01", "last spring"])
def test_the_review_date_is_validated(copy, seeds, reviewed):  # noqa: F811
    path = copy / "content/modules/evidence.md"
    current = next(line for line in path.read_text().splitlines() if line.startswith("reviewed: "))
    edit(path, current, f"reviewed: {reviewed}")
    result = check(copy, seeds)
    assert result.exit_code != 0
    assert "evidence.md" in result.output and "reviewed" in result.output


MODULES = sorted((Config.CONTENT_DIR / "modules").glob("*.md"))


@pytest.mark.parametrize("path", MODULES, ids=[path.stem for path in MODULES])
def test_every_module_is_in_plain_language(path):
    result = measure(sentences(body_lines(path)))
    assert result.reading_ease >= MIN_READING_EASE, f"{path.stem}: {result.reading_ease:.1f}"
    assert not result.long_sentences, [s.text for s in result.long_sentences]


def test_the_readability_command_prints_a_figure_per_module(app):
    result = app.test_cli_runner().invoke(args=["content", "readability"])
    assert result.exit_code == 0, result.output
    for path in MODULES:
        assert path.stem in result.output


def test_the_readability_command_fails_on_hard_text(copy):  # noqa: F811
    long = " ".join(["notwithstanding"] * (MAX_SENTENCE_WORDS + 1)) + "."
    edit(copy / "content/modules/evidence.md", "## Where the evidence comes from\n",
         f"## Where the evidence comes from\n\n{long}\n")  # fmt: skip
    app = build_app(sqlite_url(copy), copy, CONTENT_DIR=copy / "content")
    result = app.test_cli_runner().invoke(args=["content", "readability"])
    assert result.exit_code != 0
    assert f"{MAX_SENTENCE_WORDS + 1} words" in result.output


def test_an_exercise_that_describes_violence_opens_with_a_content_note(client, make_learner):
    login(client, make_learner())
    violent = client.get("/practice/your-responsibility-to-keep-them-safe").get_data(as_text=True)
    note = violent.index("Content note:")
    assert note < violent.index("Fictional case.")  # at the top, before the case
    assert 'href="/support"' in violent[note : note + 400]
    calm = client.get("/practice/let-him-in").get_data(as_text=True)
    assert "Content note:" not in calm
