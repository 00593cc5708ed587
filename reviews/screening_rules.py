"""The rules of screening, in one place: statuses per stage, agreement, stage slugs, who sees conflicts.

Pure: no queries. Services, selectors, views, the API and the downloads all read these instead
of spelling a rule again.

A record at a stage is *unresolved* while it waits for decisions or is in conflict. Blindness
makes both look the same to everyone but owners: a conflict stays in the queue of every screener
who has not decided it, a reviewer may change their decision on it, and counts treat it as
waiting. Only agreement (or an owner's adjudication) moves a record on, and that may show.
"""

from django.http import Http404

from reviews.models import Decision, RecordStatus, Role, Stage

# The status of a record waiting for decisions at a stage, and of one in conflict there.
PENDING_STATUS = {Stage.TITLE_ABSTRACT: RecordStatus.TITLE_ABSTRACT, Stage.FULL_TEXT: RecordStatus.FULL_TEXT}
CONFLICT_STATUS = {Stage.TITLE_ABSTRACT: RecordStatus.TA_CONFLICT, Stage.FULL_TEXT: RecordStatus.FT_CONFLICT}
UNRESOLVED_STATUSES = {stage: (PENDING_STATUS[stage], CONFLICT_STATUS[stage]) for stage in PENDING_STATUS}
# What a member who may not see conflicts sees instead: the record still being screened.
STATUS_SEEN_WITHOUT_CONFLICTS = {CONFLICT_STATUS[stage]: PENDING_STATUS[stage] for stage in PENDING_STATUS}

# Where an agreed (or adjudicated) decision sends the record.
OUTCOME_STATUS = {
    Stage.TITLE_ABSTRACT: {
        Decision.INCLUDE: RecordStatus.FULL_TEXT,
        Decision.MAYBE: RecordStatus.FULL_TEXT,
        Decision.EXCLUDE: RecordStatus.TA_EXCLUDED,
    },
    Stage.FULL_TEXT: {
        Decision.INCLUDE: RecordStatus.INCLUDED,
        Decision.EXCLUDE: RecordStatus.FT_EXCLUDED,
        Decision.NOT_RETRIEVED: RecordStatus.NOT_RETRIEVED,
    },
}
ALLOWED_DECISIONS = {stage: tuple(outcomes) for stage, outcomes in OUTCOME_STATUS.items()}
ADJUDICATION_DECISIONS = {
    Stage.TITLE_ABSTRACT: (Decision.INCLUDE, Decision.EXCLUDE),
    Stage.FULL_TEXT: (Decision.INCLUDE, Decision.EXCLUDE, Decision.NOT_RETRIEVED),
}

# URL slugs of the stages, for pages and the API.
STAGE_SLUGS = {"title-abstract": Stage.TITLE_ABSTRACT, "full-text": Stage.FULL_TEXT}
SLUG_OF = {stage: slug for slug, stage in STAGE_SLUGS.items()}

# Upper bound of a PRISMA count entered by hand (records removed before import).
PRISMA_COUNT_MAX = 100_000_000


def stage_from_slug(slug: str) -> str:
    """The stage of a URL slug; an unknown slug answers 404."""
    try:
        return STAGE_SLUGS[slug]
    except KeyError:
        raise Http404("No such screening stage.") from None


def effective_decision(stage: str, decision: str) -> str:
    """The decision as agreement sees it: maybe counts as include at title/abstract."""
    return Decision.INCLUDE if stage == Stage.TITLE_ABSTRACT and decision == Decision.MAYBE else decision


def resolved_status(stage: str, decisions) -> str:
    """The status all the needed ``(decision, exclusion reason id)`` pairs give a record.

    Agreement moves it on; anything else is a conflict. At full text two excludes agree only
    with the same reason, so every excluded report has exactly one reason in PRISMA; reasons
    are optional at title/abstract and make no conflict there.
    """
    outcomes = {
        (
            effective_decision(stage, decision),
            reason if decision == Decision.EXCLUDE and stage == Stage.FULL_TEXT else None,
        )
        for decision, reason in decisions
    }
    if len(outcomes) == 1:
        ((decision, _reason),) = outcomes
        return OUTCOME_STATUS[stage][decision]
    return CONFLICT_STATUS[stage]


def sees_conflicts(role: str) -> bool:
    """Whether a member with this role may see which records are in conflict (owners adjudicate)."""
    return role == Role.OWNER
