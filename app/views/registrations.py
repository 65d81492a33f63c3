"""Registration for free in-district PL: register, cancel, the waitlist, rosters and attendance."""
from flask import Blueprint

bp = Blueprint("registrations", __name__)
