"""PL transcripts: each educator's completed PL, hours and PDPs toward 150 per licensure cycle."""
from flask import Blueprint

bp = Blueprint("transcript", __name__)
