"""Speed-mentoring events (seed 004's speed model): tables, rounds, check-in and picks.
Every model is re-exported here."""
