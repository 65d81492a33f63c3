"""The committee's review: reviews and conflicts of interest, the cohort, joint decisions, the
reviewers' packet and the decision letter."""
