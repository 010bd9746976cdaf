"""The matching app's forms, one module per area of its pages (requests, pairings, committee,
rounds)."""
