"""The matching app's state changes, one function per business action (transactional,
permission-checked, audited): ``pairs`` (what every pairing path shares), ``requests``,
``proposals``, ``endings`` and ``senior``."""
