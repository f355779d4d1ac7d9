"""How long the course takes, worked out from the content itself, and the CPD hours
that follow. The allowances are stated in content/README.md."""

from __future__ import annotations

import math

WORDS_PER_MINUTE = 130  # reading a module's text
MINUTES_PER_QUESTION = 1.0  # a knowledge check question or a scored test item
MINUTES_PER_SELF_RATING = 0.25  # a 5-point confidence or attitude statement
MINUTES_PER_REWORDING = 8.0  # a rewording exercise: read, write, read the feedback, revise


def module_minutes(words: int, check_questions: int) -> int:
    """Reading time plus the knowledge check, rounded up to a whole minute."""
    return math.ceil(words / WORDS_PER_MINUTE + check_questions * MINUTES_PER_QUESTION)


def test_minutes(items: int, self_ratings: int) -> float:
    return items * MINUTES_PER_QUESTION + self_ratings * MINUTES_PER_SELF_RATING


def rewording_minutes(exercises: int) -> float:
    return exercises * MINUTES_PER_REWORDING


def cpd_hours(minutes: float) -> float:
    """Minutes as hours, to the nearest half hour (a quarter past rounds up)."""
    return math.floor(minutes / 30 + 0.5) / 2
