"""Blueprints ``review``, ``committee`` and ``documents``."""
