"""The surveys app's forms, one module per area."""
