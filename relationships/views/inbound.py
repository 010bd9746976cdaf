"""POST /inbound/email/: the mail provider's webhook for reply by email (README, "Reply by
email"). Outside any organization: the signed reply address names the person.

- 404 while REPLY_BY_EMAIL is off (the endpoint does not exist);
- 401 without the shared secret (``Authorization: Bearer <INBOUND_EMAIL_SECRET>``, or HTTP
  Basic with it as the password), compared in constant time;
- 413 over INBOUND_EMAIL_MAX_BYTES; 400 for a body that is not an email;
- 202 ``{"status": "accepted"}`` when the reply landed (or had landed before: a retry);
- 200 ``{"status": "refused", "reason": …}`` for an email that cannot land: a provider
  retries any other answer for days, and trying again would not change it.

The body is the raw message (``message/rfc822``, ``application/octet-stream`` or
``text/plain``), or a multipart form with the raw message in its ``email`` field
(``body-mime`` too). No session and no CSRF token: the secret is the permission, so the
view is CSRF-exempt.
"""

from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse
from django.http.request import RawPostDataException
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from mentorship import inbound
from relationships.services import inbound as services

RAW_TYPES = ("message/rfc822", "application/octet-stream", "text/plain", "")


def _answer(status: int, payload: dict, **headers) -> JsonResponse:
    response = JsonResponse(payload, status=status)
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _raw_message(request: HttpRequest, limit: int) -> bytes | None:
    """The raw message, or None when the body holds none; ValueError when over the limit."""
    content_type = request.META.get("CONTENT_TYPE", "")
    kind = content_type.split(";", 1)[0].strip().lower()
    try:
        body = request.read(limit + 1)
    except RawPostDataException:  # a form something already parsed
        upload = request.FILES.get("email")
        return upload.read(limit + 1) if upload is not None else request.POST.get("email", "").encode() or None
    if len(body) > limit:
        raise ValueError("too large")
    if kind in RAW_TYPES:
        return body
    if kind == "multipart/form-data":
        return inbound.raw_from_form(content_type, body)
    return None


@csrf_exempt
@require_POST
def inbound_email(request: HttpRequest) -> JsonResponse:
    if not settings.REPLY_BY_EMAIL:
        raise Http404
    if not inbound.secret_matches(request.META.get("HTTP_AUTHORIZATION", ""), settings.INBOUND_EMAIL_SECRET):
        return _answer(401, {"status": "unauthorized"}, WWW_Authenticate='Bearer realm="inbound-email"')
    limit = settings.INBOUND_EMAIL_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    try:
        if declared > limit:
            raise ValueError("too large")
        raw = _raw_message(request, limit)
    except ValueError:
        return _answer(413, {"status": "too_large", "limit_bytes": limit})
    if not raw:
        return _answer(400, {"status": "rejected", "reason": "no_message"})
    try:
        outcome = services.receive_reply(raw)
    except inbound.InboundError:
        return _answer(400, {"status": "rejected", "reason": "not_an_email"})
    if outcome.landed:
        payload = {"status": "accepted", "reason": outcome.reason, "message": outcome.message_id}
        if outcome.ignored_attachments:
            payload["ignored_attachments"] = outcome.ignored_attachments
        return _answer(202, payload)
    return _answer(200, {"status": "refused", "reason": outcome.reason, "detail": services.REFUSALS[outcome.reason]})
