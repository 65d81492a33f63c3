"""Proposals before the committee: cycles, drafting and submitting, attachments, staff screening."""
