"""CONNECT: the PL catalog (opportunities, calendar files), recommendations, registration and waitlists."""
