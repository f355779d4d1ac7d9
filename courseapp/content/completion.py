"""When a module and a pathway count as complete. This is the one definition: the
learner's pages, the certificate and the coordinator's reports all use it.

- A module is complete when the learner has opened every part of it and has answered
  its knowledge check with every question right (tries are unlimited).
- A pathway is complete when every module is complete, at least the pathway's
  required number of rewording exercises are done (a version sent that the coach or
  a coordinator found constructive), and the post-test is passed.
  The post-test opens once the first two are done. Once a certificate is issued for
  the round, the round stays complete: a coordinator's later verdict on a rewording,
  or a module added to the pathway, does not undo it (a renewal round starts afresh).

content.services keeps ModuleProgress.completed_at up to date with module_complete
whenever a part is opened or a check is answered, so reports can count completed
modules in SQL without a second definition.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from courseapp.catalogue.course import Module, Pathway


def module_complete(module: Module, visited_parts: Collection[str], check_passed: bool) -> bool:
    return check_passed and {part.slug for part in module.parts} <= set(visited_parts)


@dataclass(frozen=True)
class PathwayCompletion:
    pathway: Pathway
    modules_completed: int
    rewordings: int  # rewording exercises of the pathway done (Response.counts_as_done)
    post_test_passed: bool
    certified: bool = False  # holds a certificate issued in the current round

    @property
    def rewordings_required(self) -> int:
        return self.pathway.definition.required_rewordings

    @property
    def rewordings_left(self) -> int:
        return max(0, self.rewordings_required - self.rewordings)

    @property
    def work_done(self) -> bool:
        """Every module complete and the rewordings done: the post-test may open."""
        return self.modules_completed >= len(self.pathway.modules) and not self.rewordings_left

    @property
    def complete(self) -> bool:
        has_tests = bool(self.pathway.definition.test_forms)
        return self.certified or (self.work_done and (self.post_test_passed or not has_tests))
