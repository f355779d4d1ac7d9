"""One simulated learner's way through their pathway, as far as their stage: the
pre-test, modules, post-test attempts and certificate, and a few rewordings, each
done through the app's own services and then moved to a plausible time."""

from __future__ import annotations

import enum
import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from courseapp.accounts.models import User
from courseapp.assessment import attempts, journey, renewal
from courseapp.assessment.models import Answer, Phase
from courseapp.catalogue.course import Module, Pathway
from courseapp.content import services as content
from courseapp.content.models import ModuleProgress
from courseapp.demo.answers import Profiles, answer_test, as_form, score
from courseapp.demo.rewordings import Sent, pools
from courseapp.extensions import db
from courseapp.rewording import reviewing
from courseapp.rewording import services as rewording
from courseapp.rewording.engine import CONSTRUCTIVE
from courseapp.rewording.models import ReviewMark, SelfRating


class Stage(enum.StrEnum):
    NOT_STARTED = "not started"
    PRE_TEST = "pre-test only"
    SOME_MODULES = "some modules"
    ALL_MODULES = "all modules, no post-test"
    POST_FAILED = "post-test failed"
    CERTIFIED = "post-test passed, certificate"


# How likely a learner at this stage is to have tried the rewording exercises. Learners
# who reached the post-test have submitted at least the pathway's required number.
REWORDING_CHANCE = {
    Stage.SOME_MODULES: 0.3,
    Stage.ALL_MODULES: 0.5,
}
# How likely a learner who opens a module without finishing it is to have tried its
# knowledge check and not yet got every answer right.
WRONG_CHECK_CHANCE = 0.5
REVIEW_CHANCE = 0.15
NOTES = {
    ReviewMark.EXEMPLARY: "Clear and specific. Could we share this at the next team meeting?",
    ReviewMark.DISCUSS: "Let's talk this one through at supervision.",
}


@dataclass
class Step:
    """Something the learner did, how long after the step before, and for how long."""

    kind: str  # pre, visit, module, post, open-post
    gap: timedelta
    length: timedelta
    module: Module | None = None
    passes: bool | None = None
    start: datetime | None = None
    end: datetime | None = None


class Journeys:
    """Follows learners one by one; collects the timestamps to move for each batch."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng, self.now = rng, now
        self.course = content.course()
        self.counts: Counter = Counter()
        self.profiles = {
            test_id: Profiles.draw(rng, list(test.items), list(test.ratings))
            for test_id, test in sorted(self.course.bank.tests.items())
        }
        self.exercises = list(self.course.rewording.exercises.values())
        self.pools = pools(self.exercises)
        self.sent = Sent()
        self.answer_times: list[dict] = []
        self.progress_times: list[dict] = []

    def days(self, mean: float) -> timedelta:
        return timedelta(days=self.rng.expovariate(1 / mean))

    def minutes(self, low: float, high: float) -> timedelta:
        return timedelta(minutes=self.rng.uniform(low, high))

    # -- Planning -----------------------------------------------------------------

    def steps(self, pathway: Pathway, stage: Stage) -> list[Step]:
        rng, modules = self.rng, pathway.modules
        if stage is Stage.NOT_STARTED:
            return []
        took = self.minutes(15, 40)
        if took < timedelta(minutes=16):  # one in 25 clicks through it in about a minute
            took /= 15
        steps = [Step("pre", self.days(2), took)]
        if stage is Stage.PRE_TEST:
            if rng.random() < 0.3:
                steps.append(Step("visit", self.days(3), self.minutes(3, 12), modules[0]))
            return steps
        done = len(modules)
        if stage is Stage.SOME_MODULES:
            done = rng.randint(1, max(1, len(modules) - 1))
        for module in modules[:done]:
            length = timedelta(minutes=module.minutes * rng.uniform(0.7, 1.6))
            steps.append(Step("module", self.days(2.5), length, module))
        if stage is Stage.SOME_MODULES and done < len(modules) and rng.random() < 0.6:
            steps.append(Step("visit", self.days(3), self.minutes(5, 15), modules[done]))
        allowed = attempts.attempts_allowed(Phase.POST)
        if stage is Stage.ALL_MODULES and rng.random() < 0.35:
            steps.append(Step("open-post", self.days(4), self.minutes(5, 15)))
        if stage is Stage.POST_FAILED:
            tries = min(allowed, rng.choices((1, 2, 3), (6, 3, 1))[0])
            steps += [self.post(passes=False) for _ in range(tries)]
        if stage is Stage.CERTIFIED:
            fails = min(allowed - 1, 1 if rng.random() < 0.25 else 0)
            steps += [self.post(passes=False) for _ in range(fails)]
            steps.append(self.post(passes=True))
        return steps

    def post(self, passes: bool) -> Step:
        return Step("post", self.days(3), self.minutes(20, 45), passes=passes)

    def timed(self, steps: list[Step], enrolled_at: datetime) -> list[Step]:
        """Lay the steps out from enrolment; squeeze the gaps if they would run past now."""
        room = (
            self.now
            - timedelta(hours=1)
            - enrolled_at
            - sum((s.length for s in steps), timedelta())
        )
        gaps = sum((s.gap for s in steps), timedelta())
        factor = max(0.0, min(1.0, room / gaps)) if gaps else 1.0
        moment = enrolled_at
        for step in steps:
            moment += step.gap * factor
            step.start = moment
            moment += step.length
            step.end = moment
        return steps

    # -- Doing --------------------------------------------------------------------

    def follow(
        self, user: User, pathway_id: str, cohort_id: int, stage: Stage, ability: float,
        enrolled_at: datetime, reviewer: User,
    ) -> None:  # fmt: skip
        pathway = self.course.pathways[pathway_id]
        enrolment = content.enrol(user, pathway, cohort_id)
        enrolment.enrolled_at = enrolled_at
        self.counts["enrolments"] += 1
        steps = self.timed(self.steps(pathway, stage), enrolled_at)
        done = {s.module.id for s in steps if s.kind == "module" and s.module}
        first = min((s.end for s in steps if s.kind == "module" and s.end), default=None)
        # Learners on their way to the post-test send the required rewordings first.
        to_post = any(s.kind in ("post", "open-post") for s in steps)
        required = pathway.definition.required_rewordings if to_post else 0
        wants = to_post or self.rng.random() < REWORDING_CHANCE.get(stage, 0.0)
        retakes, reworded = 0, not wants
        for step in steps:
            if step.kind in ("post", "open-post") and not reworded:
                self.rewordings(user, pathway, done, first or enrolled_at, step.start, ability,
                                reviewer, required)  # fmt: skip
                reworded = True
            if step.kind in ("module", "visit"):
                self.module(user, step)
            elif step.kind == "pre":
                self.test(user, pathway, Phase.PRE, ability, step)
            else:
                self.test(user, pathway, Phase.POST, ability + 0.3 * retakes, step)
                retakes += 1
        if not reworded:
            self.rewordings(user, pathway, done, first or enrolled_at, self.now, ability,
                            reviewer, required)  # fmt: skip

    def module(self, user: User, step: Step) -> None:
        """A module read in full (every part, the check right), or opened and left: a
        part or two read, and perhaps a try at the check with an answer not yet right."""
        module = step.module
        if step.kind == "visit":
            opened = module.parts[: self.rng.randint(1, 2)]
            for opened_part in opened:
                content.record_reading(user, module, opened_part.slug)
            part = opened[-1].slug if opened else None
            if self.rng.random() < WRONG_CHECK_CHANCE:
                check = self.course.checks[module.meta.knowledge_check]
                tried = {q.id: [self.rng.choice(q.options).id] for q in check.questions}
                first = check.questions[0]
                tried[first.id] = [next(o.id for o in first.options if not o.correct)]
                content.record_check(user, module, content.mark_check(check, tried))
                self.counts["knowledge checks tried, not yet right"] += 1
        else:
            part = module.parts[-1].slug if module.parts else None
            content.record_completion(user, module)
            self.counts["module completions"] += 1
        self.progress_times.append({
            "b_user": user.id, "b_module": module.id, "b_part": part, "b_started": step.start,
            "b_updated": step.end, "b_completed": step.end if step.kind == "module" else None,
        })  # fmt: skip

    def test(self, user: User, pathway: Pathway, phase: Phase, ability: float, step: Step) -> None:
        if not attempts.has_tests(pathway):
            return
        pass_mark = pathway.definition.pass_mark
        attempt = attempts.start_or_resume(user, pathway, phase)
        test = attempts.test_of(attempt)
        answers = answer_test(test, self.profiles[test.id], phase, ability, self.rng)
        for _ in range(60):  # until the learner gets the result their stage needs
            if step.passes is None or (score(test, answers) * 100 >= pass_mark) is step.passes:
                break
            ability += 0.15 if step.passes else -0.15
            answers = answer_test(test, self.profiles[test.id], phase, ability, self.rng)
        pages = attempts.pages(attempt)
        if step.kind == "open-post":
            pages = pages[: self.rng.randint(1, 3)]
        parsed: dict[str, object] = {}
        for entries in pages:  # read as the form posts them, saved at once to be quick
            parsed |= attempts.parse_page(entries, as_form(entries, answers))
        attempts.save_answers(attempt, parsed)
        self.counts["answers and self-ratings saved"] += sum(v is not None for v in parsed.values())
        self.answer_times.append({"b_attempt": attempt.id, "b_saved": step.end})
        attempt.started_at = step.start
        if step.kind == "open-post":
            self.counts["post-tests left unfinished"] += 1
            return
        attempts.submit(attempt, pass_mark)
        attempt.started_at, attempt.submitted_at = step.start, step.end
        attempt.too_fast = attempts.pre_test_too_fast(attempt)
        self.counts[f"{phase.value}-test attempts submitted"] += 1
        if phase is Phase.POST:
            outcome = "passed" if attempt.passed else "failed"
            self.counts[f"post-test attempts {outcome}"] += 1
            certificate = journey.award_certificate(user, pathway, attempt)
            if certificate is not None:
                certificate.issued_at = step.end
                certificate.valid_until = renewal.valid_until_for(pathway, step.end)
                self.counts["certificates"] += 1

    def rewordings(
        self, user: User, pathway: Pathway, done: set[str], after: datetime, before: datetime,
        ability: float, reviewer: User, required: int,
    ) -> None:  # fmt: skip
        """A few exercises of the modules done (at least `required`, when the learner is
        going on to the post-test), sent between `after` and `before`."""
        rng = self.rng
        open_to = [
            e for e in self.exercises
            if pathway.id in e.pathways and (not e.modules or done & set(e.modules))
        ]  # fmt: skip
        if not open_to:
            return
        self.counts["learners with rewordings"] += 1
        how_many = min(len(open_to), max(required, rng.randint(1, 4)))
        before = min(before, self.now - timedelta(hours=1))
        for exercise in rng.sample(open_to, how_many):
            pool = self.pools[exercise.id]
            at = after + max(before - after, timedelta()) * rng.random() ** 2
            good_first = rng.random() < min(0.8, max(0.2, 0.4 + 0.2 * ability))
            text = rng.choice(pool.constructive if good_first or not pool.needs_work
                              else pool.needs_work)  # fmt: skip
            response = rewording.submit(user, exercise, self.own_text(user, exercise, text))
            response.created_at = at
            self.counts["rewording responses"] += 1
            # Revised now and then; always, when the post-test needs the exercise done.
            if response.verdict != CONSTRUCTIVE and (rng.random() < 0.6 or required):
                text = self.own_text(user, exercise, rng.choice(pool.constructive))
                response = rewording.submit(user, exercise, text)
                at = min(at + self.minutes(3, 25), before)
                response.created_at = at
                self.counts["rewording responses"] += 1
                self.counts["rewordings revised"] += 1
            if rng.random() < 0.7:
                good = response.verdict == CONSTRUCTIVE
                rewording.rate(response, rng.choice(
                    [SelfRating.AS_GOOD, SelfRating.AS_GOOD, SelfRating.PARTLY] if good
                    else [SelfRating.PARTLY, SelfRating.NOT_YET]))  # fmt: skip
            if rng.random() < REVIEW_CHANCE:
                mark = (
                    ReviewMark.EXEMPLARY if response.verdict == CONSTRUCTIVE else ReviewMark.DISCUSS
                )
                note = reviewing.add_note(response, reviewer, mark, NOTES[mark])
                note.created_at = min(at + self.days(2), self.now)
                self.counts["review notes"] += 1

    def own_text(self, user, exercise, text: str) -> str:
        return self.sent.own(exercise, text, user.id)

    def move_timestamps(self) -> None:
        """Give this batch's answers and module progress the times of their steps."""
        if self.answer_times:
            answers = Answer.__table__
            db.session.execute(
                sa.update(answers)
                .where(answers.c.attempt_id == sa.bindparam("b_attempt"))
                .values(saved_at=sa.bindparam("b_saved")),
                self.answer_times,
            )
        if self.progress_times:
            progress = ModuleProgress.__table__
            db.session.execute(
                sa.update(progress)
                .where(
                    progress.c.user_id == sa.bindparam("b_user"),
                    progress.c.module_id == sa.bindparam("b_module"),
                )
                .values(
                    last_part=sa.bindparam("b_part"),
                    started_at=sa.bindparam("b_started"),
                    updated_at=sa.bindparam("b_updated"),
                    completed_at=sa.bindparam("b_completed"),
                ),
                self.progress_times,
            )
        self.answer_times, self.progress_times = [], []
