"""The pair's conversation: for the mentor and the mentee only. Everyone else (coordinators
too) gets a 404; coordinators see the conversation's counts and last date on the
relationship page and the program's list, never a message.

The message list is a fragment (``conversation_messages``) that the page fetches again
when a live event says the conversation changed, or every few seconds when websockets are
unavailable (static/js/live.js). The fragment carries the conversation's change stamp; a
request that already has the latest stamp gets 204, which htmx leaves alone.
"""

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import get_valid_filename
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from mentorship.tenancy import member_required
from relationships.forms.messages import MessageEditForm, MessageForm
from relationships.models import Conversation, Mentorship, Message
from relationships.selectors import conversation_page
from relationships.services import messages as message_services


def _pair(request: HttpRequest, pk: int) -> Mentorship:
    mentorship = get_object_or_404(
        Mentorship.objects.select_related("organization", "program", "mentor__user", "mentee__user"), pk=pk
    )
    if mentorship.party(request.membership) is None:
        raise Http404("No such mentorship.")
    return mentorship


def _conversation(mentorship: Mentorship) -> Conversation:
    conversation = message_services.conversation_for(mentorship)
    conversation.mentorship = mentorship
    return conversation


def _message(conversation: Conversation, message_pk: int) -> Message:
    message = get_object_or_404(Message.objects.filter(conversation=conversation), pk=message_pk)
    message.conversation = conversation
    return message


def stamp(conversation: Conversation) -> str:
    return conversation.changed_at.isoformat()


def _list_context(request: HttpRequest, mentorship: Mentorship, conversation: Conversation) -> dict:
    before = request.GET.get("before")
    page = conversation_page(
        conversation=conversation,
        viewer=request.membership,
        before=int(before) if before and before.isdigit() else None,
    )
    return {
        "mentorship": mentorship,
        "conversation": conversation,
        "stamp": stamp(conversation),
        "other": mentorship.mentee if request.membership.pk == mentorship.mentor_id else mentorship.mentor,
        "earlier": bool(before),
        **page,
    }


@never_cache
@member_required
def conversation(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    mentorship = _pair(request, pk)
    thread = _conversation(mentorship)
    form = MessageForm(request.POST or None, request.FILES or None) if mentorship.is_live else None
    if request.method == "POST":
        if form is None:
            flash.error(request, "This mentorship has ended; its conversation is kept as it was, read-only.")
            return redirect("conversation", org_slug=org_slug, pk=pk)
        if form.is_valid():
            try:
                message_services.message_send(
                    actor=request.membership,
                    mentorship=mentorship,
                    body=form.cleaned_data["body"],
                    attachment=form.cleaned_data["attachment"],
                )
            except ServiceError as error:
                form_error(form, error)
            except PermissionDenied:
                raise Http404("No such mentorship.") from None
            else:
                return redirect(f"{request.path}#message-form")
    elif request.method != "GET":
        return HttpResponse(status=405)
    message_services.conversation_read(actor=request.membership, conversation=thread)
    context = _list_context(request, mentorship, thread)
    status = 400 if form is not None and form.errors else 200
    return render(request, "relationships/conversation.html", {**context, "form": form}, status=status)


@require_safe
@never_cache
@member_required
def conversation_messages(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    """The message list alone, for the page to swap in; 204 when nothing changed since the
    stamp the page holds."""
    mentorship = _pair(request, pk)
    thread = _conversation(mentorship)
    message_services.conversation_read(actor=request.membership, conversation=thread)
    if request.GET.get("since") == stamp(thread):
        return HttpResponse(status=204)
    return render(request, "relationships/includes/message_list.html", _list_context(request, mentorship, thread))


@never_cache
@member_required
def message_edit(request: HttpRequest, org_slug: str, pk: int, message_pk: int) -> HttpResponse:
    mentorship = _pair(request, pk)
    message = _message(_conversation(mentorship), message_pk)
    if message.author_id != request.membership.pk:
        raise Http404("No such message.")
    form = MessageEditForm(request.POST or None, initial={"body": message.body})
    if request.method == "POST" and form.is_valid():
        try:
            message_services.message_edit(actor=request.membership, message=message, body=form.cleaned_data["body"])
        except ServiceError as error:
            form_error(form, error)
        except PermissionDenied:
            raise Http404("No such message.") from None
        else:
            flash.success(request, "Message edited.")
            return redirect(reverse("conversation", kwargs={"org_slug": org_slug, "pk": pk}) + f"#message-{message.pk}")
    status = 400 if form.errors else 200
    return render(
        request,
        "relationships/message_edit.html",
        {"mentorship": mentorship, "message": message, "form": form},
        status=status,
    )


@never_cache
@member_required
def message_remove(request: HttpRequest, org_slug: str, pk: int, message_pk: int) -> HttpResponse:
    mentorship = _pair(request, pk)
    message = _message(_conversation(mentorship), message_pk)
    if message.author_id != request.membership.pk:
        raise Http404("No such message.")
    if request.method == "POST":
        try:
            message_services.message_remove(actor=request.membership, message=message)
        except PermissionDenied:
            raise Http404("No such message.") from None
        flash.success(request, "Message removed.")
        return redirect("conversation", org_slug=org_slug, pk=pk)
    return render(request, "relationships/message_remove.html", {"mentorship": mentorship, "message": message})


@require_safe
@never_cache
@member_required
def message_attachment(request: HttpRequest, org_slug: str, pk: int, message_pk: int) -> HttpResponse:
    """A message's file, to the pair only. Images show in the page; PDFs download."""
    mentorship = _pair(request, pk)
    message = _message(_conversation(mentorship), message_pk)
    if not message.attachment or message.is_removed:
        raise Http404("No such file.")
    try:
        handle = message.attachment.open("rb")
    except FileNotFoundError:
        raise Http404("No such file.") from None
    name = get_valid_filename(message.attachment_name.rsplit("/", 1)[-1]) or "attachment"
    inline = message.attachment_type.startswith("image/") and request.GET.get("download") != "1"
    response = FileResponse(handle, as_attachment=not inline, filename=name, content_type=message.attachment_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
