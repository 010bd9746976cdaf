"""Coordinators' webhook pages under /o/<org_slug>/settings/webhooks/ (issue 20)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from integrations.forms.webhooks import WebhookForm
from integrations.models import Webhook, WebhookDelivery
from integrations.services import webhooks as services
from mentorship.exceptions import ServiceError
from mentorship.forms import form_error
from mentorship.tenancy import coordinator_required

SECRET_KEY = "webhook_secret_once"
LOG_PAGE = 25


def _show_secret_once(request: HttpRequest, webhook: Webhook) -> None:
    request.session[SECRET_KEY] = {"pk": webhook.pk, "secret": webhook.secret}


def _pop_secret(request: HttpRequest) -> dict | None:
    return request.session.pop(SECRET_KEY, None)


@require_GET
@coordinator_required
def webhook_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    webhooks = list(Webhook.objects.select_related("created_by__user").order_by("created_at", "pk")[:100])
    return render(request, "integrations/webhook_list.html", {"webhooks": webhooks, "once": _pop_secret(request)})


@coordinator_required
def webhook_add(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = WebhookForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            webhook = services.webhook_create(actor=request.membership, **form.cleaned_data)
        except ServiceError as error:
            form_error(form, error)
        else:
            _show_secret_once(request, webhook)
            messages.success(request, "Webhook registered. Copy its signing secret now: it is shown only once.")
            return redirect("webhook_list", org_slug=org_slug)
    return render(request, "integrations/webhook_form.html", {"form": form, "webhook": None})


@coordinator_required
def webhook_edit(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    webhook = get_object_or_404(Webhook, pk=pk)
    initial = {"url": webhook.url, "events": webhook.events}
    form = WebhookForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_update(actor=request.membership, webhook=webhook, **form.cleaned_data)
        except ServiceError as error:
            form_error(form, error)
        else:
            messages.success(request, "Webhook saved.")
            return redirect("webhook_list", org_slug=org_slug)
    return render(request, "integrations/webhook_form.html", {"form": form, "webhook": webhook})


def _act(request: HttpRequest, org_slug: str, pk: int, action, done: str) -> HttpResponse:
    webhook = get_object_or_404(Webhook, pk=pk)
    try:
        result = action(actor=request.membership, webhook=webhook)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        if done:
            messages.success(request, done)
        return result
    return redirect("webhook_list", org_slug=org_slug)


@require_POST
@coordinator_required
def webhook_rotate(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    def rotate(**kwargs):
        _show_secret_once(request, services.webhook_rotate_secret(**kwargs))
        return redirect("webhook_list", org_slug=org_slug)

    return _act(request, org_slug, pk, rotate, "New signing secret made; the old one no longer signs. Copy it now.")


@require_POST
@coordinator_required
def webhook_toggle(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    active = request.POST.get("active") == "1"

    def toggle(**kwargs):
        services.webhook_set_active(active=active, **kwargs)
        return redirect("webhook_list", org_slug=org_slug)

    return _act(request, org_slug, pk, toggle, "Webhook turned on." if active else "Webhook turned off.")


@require_POST
@coordinator_required
def webhook_delete(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    def delete(**kwargs):
        services.webhook_delete(**kwargs)
        return redirect("webhook_list", org_slug=org_slug)

    return _act(request, org_slug, pk, delete, "Webhook deleted, with its delivery log.")


@require_POST
@coordinator_required
def webhook_ping(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    def ping(**kwargs):
        services.webhook_ping(**kwargs)
        return redirect("webhook_deliveries", org_slug=org_slug, pk=pk)

    return _act(request, org_slug, pk, ping, "Ping sent: its delivery is at the top of the log.")


@require_GET
@coordinator_required
def webhook_deliveries(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    webhook = get_object_or_404(Webhook, pk=pk)
    deliveries = WebhookDelivery.objects.filter(webhook=webhook).defer("payload").order_by("-created_at", "-pk")
    page = Paginator(deliveries, LOG_PAGE).get_page(request.GET.get("page"))
    return render(request, "integrations/webhook_deliveries.html", {"webhook": webhook, "page": page})


@require_POST
@coordinator_required
def webhook_redeliver(request: HttpRequest, org_slug: str, pk: int, delivery_pk: int) -> HttpResponse:
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("webhook"), pk=delivery_pk, webhook_id=pk)
    try:
        services.delivery_redeliver(actor=request.membership, delivery=delivery)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Sent again as a new delivery, with the same event id.")
    return redirect("webhook_deliveries", org_slug=org_slug, pk=pk)
