"""The course content: validation with file and line, coverage of the model, rendering once."""

from __future__ import annotations

import itertools
import re
import shutil
from pathlib import Path

import pytest

from courseapp.catalogue.loader import load_course
from courseapp.catalogue.markdown import slug
from courseapp.catalogue.problems import ContentError
from courseapp.config import PROJECT_ROOT, ProductionConfig
from tests.conftest import build_app, sqlite_url

COURSE = load_course(PROJECT_ROOT / "content", PROJECT_ROOT / "quizzes")


@pytest.fixture
def copy(tmp_path) -> Path:
    """A writable copy of the content and quizzes, to break on purpose."""
    shutil.copytree(PROJECT_ROOT / "content", tmp_path / "content")
    shutil.copytree(PROJECT_ROOT / "quizzes", tmp_path / "quizzes")
    return tmp_path


def check(folder: Path):
    app = build_app(sqlite_url(folder), folder, CONTENT_DIR=folder / "content",
                    QUIZZES_DIR=folder / "quizzes")  # fmt: skip
    return app.test_cli_runner().invoke(args=["content", "check"])


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_the_course_passes_its_own_check(app):
    result = app.test_cli_runner().invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert "2 pathways, 15 modules, 15 knowledge checks" in result.output


BREAKAGES = {
    "bad YAML": (
        "content/modules/why-change.md",
        "title: Why practice needs to change",
        "title: [Why practice",
        "content/modules/why-change.md:4: YAML cannot be read: expected ',' or ']', but got ':'"
        " (while parsing a flow sequence that starts on line 3)",
    ),
    "missing required field": (
        "content/modules/evidence.md",
        "order: ",
        "ordre: ",
        "content/modules/evidence.md:2: 'order' is missing",
    ),
    "unknown quiz id": (
        "content/modules/welcome.md",
        "knowledge_check: kc-welcome",
        "knowledge_check: kc-nowhere",
        "content/modules/welcome.md:{line}: unknown quiz id 'kc-nowhere'",
    ),
    "broken internal link": (
        "content/modules/why-change.md",
        "](module:three-principles)",
        "](module:three-principals)",
        "content/modules/why-change.md:{line}: broken link module:three-principals",
    ),
    "broken glossary link": (
        "content/modules/why-change.md",
        "](glossary:perpetrator)",
        "](glossary:perpetrators)",
        "content/modules/why-change.md:{line}: broken link glossary:perpetrators",
    ),
    "unlabelled case": (
        "content/modules/why-change.md",
        '!!! case "Fictional case',
        '!!! case "Case',
        'content/modules/why-change.md:{line}: a case box title must start with "Fictional case"',
    ),
    "single question with two right answers": (
        "quizzes/knowledge-checks/evidence.yaml",
        "feedback:",
        "correct: true\n        feedback:",
        "quizzes/knowledge-checks/evidence.yaml:",
    ),
    "unknown pathway module": (
        "content/pathways.yaml",
        "    - evidence\n",
        "    - evidence\n    - no-such-module\n",
        "content/pathways.yaml:{line}: unknown module id 'no-such-module'",
    ),
}


@pytest.mark.parametrize("case", BREAKAGES)
def test_content_check_names_file_and_line(copy, case):
    relative, old, new, expected = BREAKAGES[case]
    path = copy / relative
    edit(path, old, new)
    marker = new.strip().splitlines()[-1].strip()
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if marker in text)
    result = check(copy)
    assert result.exit_code != 0
    assert expected.format(line=line) in result.output, result.output


def test_duplicate_module_id(copy):
    shutil.copy(copy / "content/modules/welcome.md", copy / "content/modules/welcome-copy.md")
    result = check(copy)
    assert result.exit_code != 0
    assert "content/modules/welcome.md:2: duplicate module id 'welcome'" in result.output or (
        "welcome-copy.md:2: duplicate module id 'welcome'" in result.output
    )


def test_every_problem_is_listed_not_just_the_first(copy):
    edit(copy / "content/modules/welcome.md", "knowledge_check: kc-welcome", "knowledge_check: x")
    edit(copy / "content/glossary.yaml", "- id: marac", "- id: MARAC")
    result = check(copy)
    assert "unknown quiz id 'x'" in result.output
    assert "glossary.yaml" in result.output
    # The bad id, the bad quiz id, and the four modules' links to the MARAC entry.
    assert result.output.count("broken link glossary:marac") == 4
    assert "6 problem(s) found" in result.output


def test_production_refuses_to_start_with_broken_content(copy):
    edit(copy / "content/modules/welcome.md", "knowledge_check: kc-welcome", "knowledge_check: x")
    config = {k: getattr(ProductionConfig, k) for k in dir(ProductionConfig) if k.isupper()}
    config.update(SECRET_KEY="x" * 32, SQLALCHEMY_DATABASE_URI=sqlite_url(copy),
                  CONTENT_DIR=copy / "content", QUIZZES_DIR=copy / "quizzes")  # fmt: skip
    from courseapp import create_app

    with pytest.raises(ContentError, match=r"welcome.md:\d+: unknown quiz id 'x'"):
        create_app(config)


def test_setup_stops_on_broken_content(copy):
    edit(copy / "content/pathways.yaml", "required_rewordings: 3", "required_rewordings: lots")
    app = build_app(sqlite_url(copy), copy, CONTENT_DIR=copy / "content",
                    QUIZZES_DIR=copy / "quizzes")  # fmt: skip
    result = app.test_cli_runner().invoke(args=["setup"])
    assert result.exit_code != 0
    assert "pathways.yaml" in result.output and "required_rewordings" in result.output


# -- Coverage of the model ------------------------------------------------------------


def headings(module_id: str) -> set[str]:
    module = COURSE.modules[module_id]
    text = module.path.read_text()
    return {slug(h) for h in re.findall(r"^#{2,3} (.+)$", text, flags=re.MULTILINE)}


@pytest.mark.parametrize(
    "heading",
    [
        "Keep the child safe and together with the non-offending parent",
        "Partner with the non-offending parent as the default position",
        "Intervene with the perpetrator to reduce risk and harm to the child",
    ],
)
def test_each_principle_has_its_own_section(heading):
    assert slug(heading) in headings("three-principles")


@pytest.mark.parametrize(
    ("number", "module_id"),
    [
        (1, "pattern-of-coercive-control"),
        (2, "harm-to-children"),
        (3, "protective-efforts"),
        (4, "impact-on-family-functioning"),
        (5, "complicating-factors"),
    ],
)
def test_each_critical_component_has_its_own_module(number, module_id):
    module = COURSE.modules[module_id]
    assert module.title.startswith(f"Critical component {number}:")
    assert len(module.parts) >= 3


@pytest.mark.parametrize(
    "level", ["Destructive", "Neglectful", "Pre-competent", "Competent", "Proficient"]
)
def test_each_continuum_level_has_its_own_section(level):
    assert slug(level) in headings("continuum-of-practice")


def test_briefing_covers_each_component_for_schools():
    found = headings("briefing-what-you-may-notice")
    for words in ["coercive-control", "harm-the-child", "protective-efforts",
                  "family-functioning", "substance-misuse"]:  # fmt: skip
        assert any(words in heading for heading in found), words


GLOSSARY_TERMS = [
    "coercive-control",
    "non-offending-parent",
    "perpetrator",
    "pattern-based-practice",
    "protective-efforts",
    "family-functioning",
    "marac",
    "matac",
    "case-conference",
    "childrens-hearing",
    "girfec",
    "equally-safe",
    "core-training",
    "champion",
]


def test_every_curriculum_glossary_term_is_defined():
    assert set(GLOSSARY_TERMS) <= set(COURSE.glossary)


def test_every_glossary_link_in_the_modules_is_defined():
    used = set()
    for module in COURSE.modules.values():
        used |= set(re.findall(r"\(glossary:([a-z0-9-]+)\)", module.path.read_text()))
    assert used and used <= set(COURSE.glossary)
    assert len(used) >= 10  # the modules really do link to the glossary


@pytest.mark.parametrize("module_id", sorted(COURSE.modules))
def test_every_module_is_well_formed(module_id):
    module = COURSE.modules[module_id]
    check = COURSE.checks[module.meta.knowledge_check]
    assert 3 <= len(check.questions) <= 5
    assert 1 <= len(module.meta.objectives) <= 6 and module.minutes > 0
    assert all(option.feedback for q in check.questions for option in q.options)
    no_case = {"welcome", "briefing-welcome", "evidence"}  # no case example to give
    assert "Fictional case" in module.path.read_text() or module_id in no_case
    for part in module.parts:  # shown under the part's title, an h2: no level skipped
        levels = [2, *(int(n) for n in re.findall(r"<h([1-6])\b", part.html))]
        assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), (part.slug, levels)


def test_pathways_are_complete():
    core, briefing = COURSE.pathways["core"], COURSE.pathways["briefing"]
    assert [m.meta.order for m in core.modules] == list(range(1, 12))
    briefing_ids = [m.id for m in briefing.modules]
    assert briefing_ids[:2] == ["briefing-welcome", "briefing-three-principles"]
    assert not {"welcome", "three-principles"} & set(briefing_ids)  # core's long versions
    # The curriculum's lengths (45-75 minutes for the briefing, 3-4 hours for the core
    # course) are of the whole pathway, as the learner is told it: its modules, both
    # tests and the required rewordings.
    assert 45 <= briefing.minutes <= 75
    assert 180 <= core.minutes <= 240


@pytest.mark.parametrize("pathway_id", sorted(COURSE.pathways))
def test_each_pathway_opens_with_the_content_note_and_support(pathway_id):
    """The first module can be read before the pre-test, so it carries the content note."""
    text = COURSE.pathways[pathway_id].modules[0].path.read_text()
    assert '!!! warning "Content note"' in text and "](page:support)" in text


@pytest.mark.parametrize("pathway_id", sorted(COURSE.pathways))
def test_every_area_a_pathway_tests_is_taught_in_it(pathway_id):
    """A learner who fails the post-test is sent to the modules that teach each weak area."""
    pathway = COURSE.pathways[pathway_id]
    forms = [COURSE.bank.tests[form] for form in pathway.definition.test_forms]
    tested = {item.tag for form in forms for item in form.items}
    taught = {tag for module in pathway.modules for tag in module.meta.teaches}
    assert tested and tested <= taught


def test_cpd_hours_equal_the_time_computed_from_the_content():
    """Minutes and CPD hours follow from the words, questions and exercises, with the
    allowances stated in content/README.md (130 words a minute, 1 minute a question,
    15 seconds a self-rating, 8 minutes a rewording)."""
    import math

    readme = (PROJECT_ROOT / "content/README.md").read_text()
    for allowance in ("130 words a minute", "1 minute a question", "15 seconds each",
                      "8 minutes each"):  # fmt: skip
        assert allowance in readme
    for pathway in COURSE.pathways.values():
        modules = 0
        for m in pathway.modules:
            questions = len(COURSE.checks[m.meta.knowledge_check].questions)
            assert m.minutes == math.ceil(m.words / 130 + questions)
            modules += m.minutes
        forms = [COURSE.bank.tests[f] for f in pathway.definition.test_forms]
        tests = sum(len(f.items) + len(f.ratings) / 4 for f in forms)
        total = math.ceil(modules + tests + 8 * pathway.definition.required_rewordings)
        assert pathway.minutes == total
        assert pathway.cpd_hours == math.floor(total / 30 + 0.5) / 2
        assert abs(pathway.cpd_hours * 60 - total) <= 15
    assert COURSE.pathways["core"].cpd_hours > 3.5  # the old hand-set figure was too low
    assert COURSE.pathways["briefing"].cpd_hours >= 1


def test_tables_are_rendered_for_the_continuum_pairs_and_audit():
    assert "<table>" in "".join(p.html for p in COURSE.modules["language-and-documentation"].parts)
    assert "<table>" in "".join(p.html for p in COURSE.modules["evidence"].parts)


def test_rendered_html_is_sanitised(copy):
    edit(
        copy / "content/modules/welcome.md",
        "## ",
        "<script>alert(1)</script>\n<img src=x onerror=alert(2)>\n\n## ",
    )
    course = load_course(copy / "content", copy / "quizzes")
    html = course.modules["welcome"].intro + "".join(
        p.html for p in course.modules["welcome"].parts
    )
    assert "<script" not in html and "onerror" not in html


def test_markdown_is_not_parsed_per_request(client, make_user, monkeypatch):
    from tests.conftest import login

    login(client, make_user())
    monkeypatch.setattr(
        "markdown.markdown", lambda *a, **k: pytest.fail("Markdown parsed per request")
    )
    assert client.get("/modules/why-change").status_code == 200
    assert (
        client.get("/modules/why-change/" + COURSE.modules["why-change"].parts[0].slug).status_code
        == 200
    )
    assert client.get("/glossary").status_code == 200


def test_a_module_pages_links_are_kept_per_path_the_site_is_served_under(client, make_user):
    """A module page's contents and previous/next links are built once and kept; one
    served under another path (behind a proxy that mounts the site at /training) gets
    its own, never the links kept for the other."""
    from tests.conftest import login

    login(client, make_user())
    module = COURSE.modules["why-change"]
    page = f"/modules/why-change/{module.parts[0].slug}"
    for _ in range(2):  # built, then kept
        plain = client.get(page).get_data(as_text=True)
        mounted = client.get(page, base_url="http://localhost/training").get_data(as_text=True)
        assert 'href="/modules/why-change"' in plain
        assert f'href="/modules/why-change/{module.parts[1].slug}"' in plain
        assert 'href="/training/modules/why-change"' in mounted
        assert f'href="/training/modules/why-change/{module.parts[1].slug}"' in mounted
        assert 'href="/modules/' not in mounted
