"""The surveys app's pages, one module per area (surveys and feedback, quarterly reports,
the health dashboard, reminders). URLs are in ``surveys/urls.py``."""
