"""Blueprints ``proposals`` (the team's pages and the case page) and ``staff`` (cycles, screening)."""
