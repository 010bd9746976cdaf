"""The matching app's pages, one module per area (requests, pairings, committee, participants,
rounds; ``common`` holds what they share); matching/urls.py maps them."""
