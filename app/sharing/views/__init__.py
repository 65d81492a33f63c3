"""Blueprints ``summaries`` (the team's editor, staff's privacy check) and ``gallery`` (public)."""
