"""Needs surveys (ASK): staff run them, educators and teams answer, everyone sees the priorities."""
from flask import Blueprint

bp = Blueprint("surveys", __name__)
