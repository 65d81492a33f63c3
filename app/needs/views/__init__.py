"""Blueprints ``taxonomy`` and ``surveys`` (the survey pages and priorities)."""
