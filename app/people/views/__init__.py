"""Blueprints ``auth``, ``admin`` and ``teams``."""
