"""The application state machine as data: the states, who may move an application from one to the
next, and what each state tells the applicant to do.

`TRANSITIONS` is the one source of truth. The services (`services.services`) check a move against it
before writing; the migration turns it into a CHECK constraint on `ApplicationTransition`, so the
database refuses a history row for a move that is not listed here (a raw SQL fix included).

    draft ─► submitted ─► in_review ─► approved / rejected
                │             │  ▲
                │             ▼  │ (officer takes it again)
                │      more_info_needed ─► resubmitted
                └─► approved   (only the system, for services decided automatically)

    withdrawn: by the applicant from draft, submitted, in_review, more_info_needed, resubmitted
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    MORE_INFO_NEEDED = "more_info_needed", _("More information needed")
    RESUBMITTED = "resubmitted", _("Resubmitted with the information asked for")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Actor(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    OFFICER = "officer", _("Officer")
    SYSTEM = "system", _("Platform (automatic)")


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    actor: str
    reason_required: bool = False


TRANSITIONS: tuple[Transition, ...] = (
    Transition(State.DRAFT, State.SUBMITTED, Actor.APPLICANT),
    Transition(State.SUBMITTED, State.IN_REVIEW, Actor.OFFICER),
    Transition(State.RESUBMITTED, State.IN_REVIEW, Actor.OFFICER),
    Transition(State.IN_REVIEW, State.MORE_INFO_NEEDED, Actor.OFFICER, reason_required=True),
    Transition(State.MORE_INFO_NEEDED, State.RESUBMITTED, Actor.APPLICANT, reason_required=True),
    Transition(State.IN_REVIEW, State.APPROVED, Actor.OFFICER),
    Transition(State.IN_REVIEW, State.REJECTED, Actor.OFFICER, reason_required=True),
    # A statement of facts (the status certificate) needs no officer: the platform decides it at once.
    Transition(State.SUBMITTED, State.APPROVED, Actor.SYSTEM),
    *(
        Transition(source, State.WITHDRAWN, Actor.APPLICANT)
        for source in (State.DRAFT, State.SUBMITTED, State.IN_REVIEW, State.MORE_INFO_NEEDED, State.RESUBMITTED)
    ),
)
_BY_PAIR = {(t.source, t.target): t for t in TRANSITIONS}

OPEN_STATES = frozenset({State.SUBMITTED, State.IN_REVIEW, State.MORE_INFO_NEEDED, State.RESUBMITTED})
FINAL_STATES = frozenset({State.APPROVED, State.REJECTED, State.WITHDRAWN})
# States in which the officer holds the file and the SLA clock runs.
WITH_OFFICER = frozenset({State.SUBMITTED, State.IN_REVIEW, State.RESUBMITTED})


class TransitionNotAllowed(Exception):
    """The move is not in TRANSITIONS for this actor, or the application is no longer in `source`."""

    def __init__(self, source: str, target: str, actor: str) -> None:
        self.source, self.target, self.actor = source, target, actor
        super().__init__(f"{actor} cannot move an application from {source} to {target}.")


def transition_get(*, source: str, target: str, actor: str) -> Transition:
    transition = _BY_PAIR.get((source, target))
    if transition is None or transition.actor != actor:
        raise TransitionNotAllowed(source, target, actor)
    return transition


def targets_for(*, source: str, actor: str) -> list[str]:
    return [t.target for t in TRANSITIONS if t.source == source and t.actor == actor]


def allowed_pairs_condition(*, source_field: str, target_field: str) -> Q:
    """Q matching exactly the listed moves; the migration's CHECK constraint on the history."""
    pairs = [Q(**{source_field: t.source, target_field: t.target}) for t in TRANSITIONS]
    return functools.reduce(operator.or_, pairs)


# What the applicant sees under the state: never just "in progress".
NEXT_STEP = {
    State.DRAFT: _("Complete the missing fields and submit. Your draft is kept until you do."),
    State.SUBMITTED: _(
        "Nothing to do now. An officer will take your application into review; the decision is due by the date shown."
    ),
    State.IN_REVIEW: _(
        "Nothing to do now. An officer is checking your application; you will be notified of the decision."
    ),
    State.MORE_INFO_NEEDED: _(
        "The officer needs more information (see below). Upload the documents or write a note and send them back."
    ),
    State.RESUBMITTED: _("Nothing to do now. An officer will review the information you sent."),
    State.APPROVED: _("The application is approved."),
    State.REJECTED: _(
        "The application is rejected for the reason given. You may file a new application once the reason is "
        "resolved, or appeal the decision to the higher migration authority or in court."
    ),
    State.WITHDRAWN: _("You withdrew this application. You may file a new one at any time."),
}
