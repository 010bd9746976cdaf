class ServiceError(Exception):
    """A business rule refused an action; the message is safe to show to the user.

    A service that checks several things at once reports every problem together
    (``ServiceError.from_errors``), so a form shows all its errors in one round instead of
    one per submit. ``message``/``field`` are the first of them for callers that show one.
    """

    def __init__(self, message: str, *, field: str | None = None, errors: dict[str | None, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors: dict[str | None, list[str]] = errors or {field: [message]}

    @classmethod
    def from_errors(cls, errors: dict) -> "ServiceError":
        """One error carrying several: ``{field or None or "__all__": message or [messages]}``."""
        normalised: dict[str | None, list[str]] = {}
        for field, messages in errors.items():
            key = None if field in (None, "__all__") else field
            texts = [messages] if isinstance(messages, str) else [str(m) for m in messages]
            normalised.setdefault(key, []).extend(texts)
        field, texts = next(iter(normalised.items()))
        return cls(texts[0], field=field, errors=normalised)


def raise_if_errors(errors: dict) -> None:
    """Raise one ServiceError holding every collected problem, if there are any."""
    if errors:
        raise ServiceError.from_errors(errors)
