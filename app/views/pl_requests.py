"""PL requests: draft, submit, endorse, joint approval against the PL budget, completion."""
from flask import Blueprint

bp = Blueprint("pl", __name__, url_prefix="/pl")
