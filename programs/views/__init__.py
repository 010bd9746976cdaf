"""The programs app's pages, one module per area; programs/urls.py maps them."""
