"""The topic taxonomy staff manage: PL topics, grade bands, subjects."""
from flask import Blueprint

bp = Blueprint("taxonomy", __name__, url_prefix="/taxonomy")
