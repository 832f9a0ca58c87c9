"""The classroom dashboard: a Solara app with one model per browser session (docs/dashboard.md)."""
