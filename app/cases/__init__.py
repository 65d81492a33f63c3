"""What every case (a proposal, a PL request) shares: ``advance`` (the one door for state changes,
``app.cases.advance``), joint decisions, the timeline, the workflow diagram, notifications of a
transition, and the object-level permissions."""
