"""The matching app's state changes, one function per business action (transactional,
permission-checked, audited): ``pairs`` (what every pairing path shares), ``requests``,
``proposals``, ``endings``, ``senior`` and ``rounds`` (match rounds:
the engine's inputs from model rows, its draft proposals, sending them on)."""
