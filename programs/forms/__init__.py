"""The programs app's forms, one module per area (the views of the same name use them)."""
