"""Reports for program staff and the co-chairs: the cycle report (counts, funding, scores, reviewers, time in
each stage from the audit log, year over year) and the PL report of a budget year; each a page, a PDF and a
CSV per table. Read-only: this area changes nothing. Every figure is a SQL aggregate over one cycle's (or one
budget year's) cases; medians and 90th percentiles are picked out in SQL too (``figures.spreads``)."""
