"""Sharing what was learned: learning summaries, the privacy check, the public gallery."""
