"""Blueprints ``pl`` (requests, decisions, budgets) and ``transcript``."""
