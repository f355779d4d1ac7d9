"""Whether a text is a version of the learner's own at all, before what it says is
read: not the model's terms strung together, about this case (not a text that fits any
case with the names put in), written out as anyone would say it (not keywords, one-word
sentences or another language) and in words the course uses."""

from __future__ import annotations

import re
from functools import lru_cache

from courseapp.catalogue.rules import Rules
from courseapp.rewording.reading import expand_contractions
from courseapp.rewording.text import MIN_WORDS, normalise, sentences_of, stem, words

# A list of terms: fewer than this share of its words bind a sentence together, and at
# least this share (and MIN_MODEL_TERMS) are the model's terms. A terse case note
# ("pushed her, broke her phone; pattern of coercive control") names what he did, and
# has too few of the model's terms to be taken for one.
FUNCTION_SHARE, MODEL_TERM_SHARE, MIN_MODEL_TERMS = 0.2, 0.5, 3


def list_of_terms(rules: Rules, raw: str) -> bool:
    """The model's terms strung together (keywords, not something anyone would say to
    her or record): such a text reads as a rewording to rules that look for words."""
    found = [word.split("'")[0] for word in words(raw)]
    terms = sum(word in rules.model_terms for word in found)
    return (
        sum(word in rules.function_words for word in found) < FUNCTION_SHARE * len(found)
        and terms >= MIN_MODEL_TERMS
        and terms >= MODEL_TERM_SHARE * len(found)
    )


CAPITALISED = re.compile(r"\b[A-Z][A-Za-z]*")


def case_words(rules: Rules, case: str, prompt: str, answers: tuple[str, ...],
               people: dict[str, str]) -> frozenset[str]:  # fmt: skip
    """What this case speaks of that a rewording of it could name (as stems): the words
    of the case, the statement and the example answers, less the words a rewording of
    any case may use (function words, the model's terms, generic_words) and less the
    people's names: a name can be put into any text."""
    common = _common(rules)
    names = {stem(name.lower()) for name in people}
    found = {stem(w) for w in words(normalise(" ".join((case, prompt, *answers))))}
    return frozenset(found - common - names)


def _common(rules: Rules) -> frozenset[str]:
    return _stems(rules.function_words | rules.model_terms | rules.generic_words)


@lru_cache(maxsize=8)
def _stems(found: frozenset[str]) -> frozenset[str]:
    return frozenset(map(stem, found))


def about_this_case(rules: Rules, text: str, case: str, prompt: str,
                    answers: tuple[str, ...], people: dict[str, str]) -> bool:  # fmt: skip
    """The text names something of its own case (what happened, where, what she has
    done), or it names the case's people and says something of its own about them.
    Names with nothing but generic words ("Sara, what happened with Liam, and what would
    help now?") could be pasted into any exercise with its names put in."""
    found = {stem(w) for w in words(normalise(text))}
    if found & case_words(rules, case, prompt, answers, people):
        return True
    names = {stem(name.lower()) for name in people}
    # Its own words: not the names, and not another name (written with a capital).
    capitalised = {stem(word.lower()) for word in CAPITALISED.findall(text)}
    return bool(found & names) and bool(found - names - capitalised - _common(rules))


# Written out: a text is not something anyone would say to her or record when most of
# it is one- or two-word "sentences" (at least FRAGMENTS of them); when fewer than
# BINDING_SHARE of its words (names aside) bind words into sentences (the function
# words, less the question words a list is made of, and verbs in the past); or when at
# least UNKNOWN_SHARE of its content words (and MIN_UNKNOWN of them) are words the course
# never uses (another language, nonsense). Keywords, names and question words strung
# together ("Sara, Liam, what how tell me safe") have hardly a word that binds them.
FRAGMENTS, BINDING_SHARE, UNKNOWN_SHARE, MIN_UNKNOWN = 3, 0.1, 0.5, 3
ODD_UNKNOWN = 2  # odd_words
QUESTION_WORDS = frozenset(["what", "how", "why", "when", "where", "who", "which"])
LIST_WORDS = frozenset(["what", "how", "why", "tell", "me"])


def _unknown_share(rules: Rules, text: str, found: list[str]) -> tuple[int, int]:
    """How many of the content words the course never uses, of how many. A word the
    learner writes with a capital (a name, a place, a programme) and a number are not
    counted."""
    known = _stems(rules.vocabulary)
    words_known = rules.function_words | rules.vocabulary
    capitalised = {word.lower() for word in CAPITALISED.findall(text)}
    content = [
        word
        for word in found
        if word not in rules.function_words
        and word not in capitalised
        and not any(c.isdigit() for c in word)
    ]
    unknown = [
        word
        for word in content
        if stem(word) not in known
        # "hes", "thats": a contraction typed without its apostrophe
        and not (word.endswith("s") and word[:-1] in words_known)
    ]
    return len(unknown), len(content)


def _binds(rules: Rules, word: str) -> bool:
    """A word that makes a sentence of the words around it: a function word (not one a
    list of question words is made of), or a verb in the past ("happened", "pushed")."""
    return (word in rules.function_words and word not in LIST_WORDS) or (
        len(word) > 4 and word.endswith("ed") and word not in rules.model_terms
    )


def _expanded(raw: str) -> str:
    # (Words in brackets count: expand_contractions drops them, for "Mia (4)".)
    return expand_contractions(re.sub(r"[()]", " ", raw))


def _found(expanded: str) -> list[str]:
    return [word.split("'")[0] for word in words(expanded)]


def not_written_out(rules: Rules, text: str, raw: str, people: dict[str, str]) -> bool:
    """Word salad and lists of keywords: not a question or statement written out as
    anyone would say it or record it, however many of the right words it holds."""
    expanded = _expanded(raw)
    found = _found(expanded)
    names = {name.lower() for name in people}
    sentences = [words(sentence) for sentence in sentences_of(expanded)]
    fragments = [sentence for sentence in sentences if len(sentence) <= 2]
    if len(fragments) >= FRAGMENTS and 2 * sum(map(len, fragments)) >= len(found):
        return True
    # Question words strung together ("what how when") bind nothing either.
    run = {
        i
        for i, word in enumerate(found)
        if word in QUESTION_WORDS
        and QUESTION_WORDS & set(found[max(i - 1, 0) : i] + found[i + 1 : i + 2])
    }
    own = [word for word in found if word not in names]
    binding = [
        word
        for i, word in enumerate(found)
        if word not in names and i not in run and _binds(rules, word)
    ]
    if len(own) >= MIN_WORDS and len(binding) < BINDING_SHARE * len(own):
        return True
    if not rules.vocabulary:
        return False
    unknown, content = _unknown_share(rules, text, own)
    return unknown >= MIN_UNKNOWN and unknown >= UNKNOWN_SHARE * content


def odd_words(rules: Rules, text: str, raw: str, people: dict[str, str]) -> bool:
    """Fewer words the course never uses than not_written_out asks for, but still a
    third of the content words and at least ODD_UNKNOWN of them."""
    if not rules.vocabulary:
        return False
    names = {name.lower() for name in people}
    own = [word for word in _found(_expanded(raw)) if word not in names]
    unknown, content = _unknown_share(rules, text, own)
    return unknown >= ODD_UNKNOWN and 3 * unknown >= content
