"""Blueprints ``catalog`` and ``registrations``."""
