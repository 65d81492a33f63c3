"""The PL catalog (CONNECT): public browsing and search, .ics files; staff create, edit and import."""
from flask import Blueprint

bp = Blueprint("catalog", __name__, url_prefix="/catalog")
