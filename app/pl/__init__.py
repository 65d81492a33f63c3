"""Professional-learning requests: drafting, endorsement, joint decisions against the PL budget,
completion, and the PL transcript."""
