"""Blueprints: one per area. Load -> check -> form -> one operation -> commit -> redirect."""
