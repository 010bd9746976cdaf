"""Match rounds: start one (the engine runs in the background) and read its results."""

from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from api.core import ERRORS, WRITE_ERRORS, ObjectId, in_program, page, requires
from api.endpoints.programs import PageQuery
from api.models import READ, WRITE
from api.services.tokens import audit_call
from matching.models import MatchRound, Proposal
from matching.services.rounds import default_weights, round_create
from programs.models import Program

router = Router()


class RoundFilter(PageQuery):
    program_id: int | None = Field(None, ge=1, le=2**62)


class RoundOut(Schema):
    id: int
    program_id: int
    status: str
    mode: str
    weights: dict[str, float]
    progress: int
    created_at: datetime
    finished_at: datetime | None


class RoundPage(Schema):
    items: list[RoundOut]
    next_after: int | None


class PairOut(Schema):
    proposal_id: int
    mentor_id: int
    mentee_id: int
    score: float | None
    status: str


class UnmatchedOut(Schema):
    mentee_id: int | None
    reason: str


class RoundResults(RoundOut):
    objective: str
    stats: dict
    error: str
    pairs: list[PairOut]
    unmatched: list[UnmatchedOut]


class RoundIn(Schema):
    program_id: int = Field(..., ge=1, le=2**62)
    mode: str = Field("optimal", max_length=30, description="optimal, stable_mentee or stable_mentor")
    weights: dict[str, float] | None = Field(
        None, description="Factor weights 0–10; the program's defaults if left out."
    )
    avoid_same_institution: bool = False


def round_row(match_round: MatchRound) -> dict:
    return {
        "id": match_round.pk,
        "program_id": match_round.program_id,
        "status": match_round.status,
        "mode": match_round.mode,
        "weights": {key: float(value) for key, value in (match_round.weights or {}).items()},
        "progress": match_round.progress,
        "created_at": match_round.created_at,
        "finished_at": match_round.finished_at,
    }


def results(match_round: MatchRound) -> dict:
    pairs = Proposal.objects.filter(match_round=match_round).order_by("pk")
    unmatched = []
    for item in match_round.unmatched or []:
        if isinstance(item, dict):
            mentee = item.get("mentee")
            unmatched.append(
                {"mentee_id": mentee if isinstance(mentee, int) else None, "reason": str(item.get("reason", ""))}
            )
    return {
        **round_row(match_round),
        "objective": match_round.objective,
        "stats": match_round.stats or {},
        "error": match_round.error,
        "pairs": [
            {
                "proposal_id": p.pk,
                "mentor_id": p.mentor_id,
                "mentee_id": p.mentee_id,
                "score": p.score,
                "status": p.status,
            }
            for p in pairs.only("id", "mentor_id", "mentee_id", "score", "status", "organization_id")
        ],
        "unmatched": unmatched,
    }


@router.get("/rounds", response={200: RoundPage, **ERRORS}, summary="List match rounds", tags=["rounds"])
@requires("rounds", READ)
def list_rounds(request, q: Query[RoundFilter]):
    rounds = MatchRound.objects.all()
    rounds = in_program(rounds, q.program_id)
    return page(rounds, q.after, q.limit, round_row)


@router.get(
    "/rounds/{round_id}",
    response={200: RoundResults, **ERRORS},
    summary="A match round with its results (the pairs proposed, who stayed unmatched)",
    tags=["rounds"],
)
@requires("rounds", READ)
def get_round(request, round_id: ObjectId):
    return results(get_object_or_404(MatchRound, pk=round_id))


@router.post("/rounds", response={201: RoundOut, **WRITE_ERRORS}, summary="Start a match round", tags=["rounds"])
@requires("rounds", WRITE)
def start_round(request, body: RoundIn):
    program = get_object_or_404(Program, pk=body.program_id)
    match_round = round_create(
        actor=request.auth.created_by,
        program=program,
        weights=body.weights if body.weights is not None else default_weights(program),
        mode=body.mode,
        avoid_same_institution=body.avoid_same_institution,
    )
    audit_call(
        request.auth,
        action="match_round.started",
        summary=f"started a match round for program {program.pk}",
        match_round=match_round.pk,
    )
    return Status(201, round_row(match_round))
