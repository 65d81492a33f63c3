from flask import Blueprint

bp = Blueprint("committee", __name__)
