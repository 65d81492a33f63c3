"""Blueprints ``home`` and ``notifications``."""
