"""Drawing a test question from pieces of its HTML kept once drawn.

A question is drawn by the `question` macro (assessment/_input.html) with the GOV.UK
radios, checkboxes or selects: most of a test page's time when done for every request.
Its HTML is a frame (form group, fieldset, legend, hint) with one piece per choice,
side by side in the order shown. A choice's piece depends on nothing but the choice,
whether it is chosen and its place in the list (its id is numbered by place); the
frame on nothing but the rest of the question. So each frame and each piece is drawn
by the macro itself the first time it is needed and kept, and a page only puts them
together in the attempt's order with the learner's answers.

What is kept is a pure function of what the macro is given (all of it read-only
question content: texts, field names, whether a choice is chosen), never a learner's
data, so it is kept per process; the same arguments always give the same HTML.
"""

from __future__ import annotations

import itertools

from flask import current_app
from jinja2 import Environment
from markupsafe import Markup

# The list of choices in each kind of component that `question` draws.
CHOICES = {"radios": "items", "checkboxes": "items", "selects": "selects"}

# Bounds what is kept: many times every frame and piece of the question bank.
KEPT = 100_000


def _frozen(value: object) -> object:
    """A hashable copy of a macro argument (dicts, lists, strings, flags)."""
    if isinstance(value, dict):
        return ("dict", *sorted((key, _frozen(item)) for key, item in value.items()))
    if isinstance(value, list):
        return ("list", *(_frozen(item) for item in value))
    return value


class Questions:
    """The frames and pieces of questions drawn so far in this app."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.kept: dict[tuple, object] = {}
        self.frames = itertools.count()  # numbers the frames kept

    def _draw(self, rest: dict, legend: str, choices: list[dict]) -> str:
        macro = self.env.get_template("assessment/_input.html").module.question
        return str(macro(rest | {CHOICES[rest["component"]]: choices}, legend))

    def _frame(self, rest: dict, legend: str, choice: dict) -> tuple[str, str]:
        """The question's HTML with no choices, cut where they go: the first place at
        which it differs from the question drawn with one choice."""
        empty, one = self._draw(rest, legend, []), self._draw(rest, legend, [choice])
        cut = next(
            (at for at, (a, b) in enumerate(zip(empty, one, strict=False)) if a != b),
            len(empty),
        )
        return empty[:cut], empty[cut:]

    def _piece(
        self, key: int, frame: tuple[str, str], rest: dict, legend: str, choice: dict, place: int
    ) -> str:
        """A choice's HTML at a place (1 for the first) in the frame numbered `key`. Drawn
        with the same choice at every place up to it, its piece is what comes after the
        pieces before it."""
        piece_key = (key, _frozen(choice), place)
        piece = self.kept.get(piece_key)
        if piece is None:
            before, after = frame
            earlier = before + "".join(
                self._piece(key, frame, rest, legend, choice, at) for at in range(1, place)
            )
            drawn = self._draw(rest, legend, [choice] * place)
            if len(earlier) + len(after) > len(drawn) or not (
                drawn.startswith(earlier) and drawn.endswith(after)
            ):
                raise ValueError(f"this question's HTML cannot be cut into pieces: {legend!r}")
            piece = drawn[len(earlier) : len(drawn) - len(after)]
            self._keep(piece_key, piece)
        return piece

    def draw(self, question: dict, legend: str) -> Markup:
        """The same HTML as the `question` macro gives for these arguments."""
        name = CHOICES[question["component"]]
        rest = {key: value for key, value in question.items() if key != name}
        choices = question[name]
        kept = self.kept.get((_frozen(rest), legend))
        if kept is None:
            kept = (next(self.frames), self._frame(rest, legend, choices[0]))
            self._keep((_frozen(rest), legend), kept)
        # A frame's pieces are kept under its number: a key of the whole question would
        # be hashed again for every choice.
        number, frame = kept
        before, after = frame
        pieces = "".join(
            self._piece(number, frame, rest, legend, choice, place)
            for place, choice in enumerate(choices, start=1)
        )
        return Markup(before + pieces + after)  # noqa: S704 - the macro's own output

    def _keep(self, key: tuple, value: object) -> None:
        if len(self.kept) >= KEPT:  # never reached by the question bank; a bound all the same
            self.kept.clear()
        self.kept[key] = value


def draw_question(question: dict, legend: str) -> Markup:
    """`{{ draw_question(input, legend) }}` in a test page."""
    questions = current_app.extensions.get("questions")
    if questions is None:
        questions = current_app.extensions["questions"] = Questions(current_app.jinja_env)
    return questions.draw(question, legend)
