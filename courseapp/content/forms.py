from __future__ import annotations

from flask import abort, request

from courseapp.catalogue.schema import KnowledgeCheck
from courseapp.forms import TAMPERED_MESSAGE, Form, take_stash


def field_name(question_id: str) -> str:
    return f"q-{question_id}"


class KnowledgeCheckForm(Form):
    """The knowledge check's answers are read from the request against the check's own
    questions and options; the form class itself only carries the CSRF token."""

    def answers(self, check: KnowledgeCheck) -> tuple[dict[str, list[str]], list[str]]:
        """(answers by question id, ids of unanswered questions). Anything the page did
        not offer - an unknown field or option, two answers to a single-answer
        question - is tampering: 400, and nothing is recorded."""
        expected = {field_name(q.id) for q in check.questions} | {"csrf_token"}
        if set(request.form) - expected:
            abort(400, TAMPERED_MESSAGE)
        answers, unanswered = {}, []
        for question in check.questions:
            chosen = request.form.getlist(field_name(question.id))
            offered = {option.id for option in question.options}
            if not set(chosen) <= offered or len(set(chosen)) != len(chosen):
                abort(400, TAMPERED_MESSAGE)
            if question.kind == "single" and len(chosen) > 1:
                abort(400, TAMPERED_MESSAGE)
            if chosen:
                answers[question.id] = chosen
            else:
                unanswered.append(question.id)
        return answers, unanswered

    def kept_answers(self, check: KnowledgeCheck) -> dict[str, list[str]]:
        """What the learner had chosen in a post that was refused because their session
        or the form had expired (see courseapp.forms), to show again. Only options the
        check offers are kept; nothing is recorded."""
        kept = take_stash(request.path, {field_name(q.id) for q in check.questions})
        if kept is None:
            return {}
        answers = {}
        for question in check.questions:
            offered = {option.id for option in question.options}
            chosen = [value for value in kept.getlist(field_name(question.id)) if value in offered]
            if chosen:
                answers[question.id] = chosen
        return answers
