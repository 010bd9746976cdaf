"""Demo data for the three program models (seeds 000, 002, 003), loaded by ``manage.py seed_demo``.

Idempotent: running it again finds what exists and only fills in what is missing, so
``make run`` can call it on every start. Every row is looked up by its natural key
(organization slug, email, program slug, hub name, …) before it is created, and all
random choices come from fixed seeds, so the data is the same on every machine.

Each organization gets its program configured as in its seed document, profiles for its
members and a spread of applications whose eligibility is evaluated by the real rules
(``programs.services.applications.check_eligibility``).

- ``common``: the people and application specs, and the building blocks that find or create rows;
- ``society``: Western Surgical Society (seed 000), the committee model;
- ``department``: Lakeshore Anesthesiology (seed 002), hubs of scholarly excellence;
- ``alumni``: the Radiation Oncology Alumni Mentoring Network (seed 003), self-selection;
- ``seed``: ``seed_demo()`` puts the three together and adds the pairs; ``demo_sign_ins()``.
"""
