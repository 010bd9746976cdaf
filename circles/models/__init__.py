"""Group circles: one or two facilitators and 3–12 members around a theme (seed 004's group
and facilitated peer models). Every model is re-exported here."""
