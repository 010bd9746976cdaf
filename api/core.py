"""The pieces every endpoint shares: the bearer-token authentication (401), the per-token
rate limit (429), the scope check (403) that also scopes the request to the token's
organization, the error bodies, and keyset pagination."""

from functools import wraps
from typing import Annotated

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django_scopes import scope
from ninja import Path, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer

from api.models import ApiToken
from api.services.tokens import rate_limited, token_for_secret
from mentorship import freshness
from mentorship.exceptions import ServiceError
from programs.models import Program

MAX_ID = 2**62  # ids past PostgreSQL's bigint would fail in the database, not with a message
MAX_PAGE = 200  # the most rows one page of a list returns
DEFAULT_PAGE = 50


# A path's object id: a positive integer the database can hold (else 422).
ObjectId = Annotated[int, Path(..., ge=1, le=MAX_ID)]


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__("Too many requests.")
        self.retry_after = retry_after


MAKER_GONE = (
    "The coordinator who made this token is no longer a coordinator of the organization: "
    "a coordinator must make a new token."
)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer mtk_…``: an unknown, revoked or expired token gets 401, and
    so does one whose maker is no longer an active coordinator (demoted, deactivated,
    removed): a token acts with its maker's authority, reads included."""

    def authenticate(self, request, token: str) -> ApiToken | None:
        api_token = token_for_secret(token)
        if api_token is None:
            return None
        if not api_token.maker_is_coordinator:
            raise HttpError(401, MAKER_GONE)
        wait = rate_limited(api_token)
        if wait:
            raise RateLimited(wait)
        return api_token


class Error(Schema):
    detail: str


class FieldErrors(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


class ValidationErrors(Schema):
    detail: list[dict]


# The error answers every operation documents.
ERRORS = {401: Error, 403: Error, 404: Error, 422: ValidationErrors, 429: Error}
WRITE_ERRORS = {**ERRORS, 400: FieldErrors}


def requires(area: str, level: str):
    """The token needs ``area:level`` (403 otherwise); the handler then runs scoped to the
    token's organization, its writes moving that organization's data version as a page's do."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            token: ApiToken = request.auth
            if not token.allows(area, level):
                raise HttpError(403, f"This token does not have the {area}:{level} scope.")
            with freshness.writes_of(token.organization_id), scope(organization=token.organization):
                return view(request, *args, **kwargs)

        return wrapped

    return decorator


def in_program(queryset, program_id: int | None):
    """``queryset`` narrowed to one program when a filter names it; a program of another
    organization (outside the token's scope) answers 404, as its id would anywhere else."""
    if program_id is None:
        return queryset
    get_object_or_404(Program, pk=program_id)
    return queryset.filter(program_id=program_id)


def page(queryset, after: int, limit: int, row) -> dict:
    """One page of a list ordered by id: the rows after ``after``, and the id to ask for next
    (None on the last page). One query."""
    limit = max(1, min(limit, MAX_PAGE))
    rows = list(queryset.filter(pk__gt=after).order_by("pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [row(obj) for obj in rows], "next_after": rows[-1].pk if more else None}


def register_errors(api) -> None:
    @api.exception_handler(RateLimited)
    def too_many(request, exc):
        response = api.create_response(request, {"detail": "Too many requests: slow down."}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(ServiceError)
    def refused(request, exc):
        errors = {key or "__all__": list(messages) for key, messages in exc.errors.items()}
        return api.create_response(request, {"detail": exc.message, "errors": errors}, status=400)

    @api.exception_handler(PermissionDenied)
    def denied(request, exc):
        return api.create_response(request, {"detail": str(exc) or "Permission denied."}, status=403)

    @api.exception_handler(ObjectDoesNotExist)
    def missing(request, exc):
        return api.create_response(request, {"detail": "Not found."}, status=404)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, {"detail": "Not found."}, status=404)
