"""What the organization's home page shows from the apps built on programs. Those apps sit
on higher floors, so programs never imports them: each registers a provider when it starts
(its ``AppConfig.ready``). A provider takes the viewer's membership and returns a dict
merged into the page's context."""

from collections.abc import Callable

PROVIDERS: list[Callable[..., dict]] = []


def register_dashboard_context(provider: Callable[..., dict]) -> None:
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)


def dashboard_context(membership) -> dict:
    context: dict = {}
    for provider in PROVIDERS:
        context.update(provider(membership))
    return context
