"""The home page for my roles: what needs me now."""
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from app.core import clock
from app.home.dashboard import home_for, learning_panels

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    today = clock.today()
    blocks = home_for(current_user, today)
    return render_template("home/index.html", blocks=blocks, today=today,
                           panels=learning_panels(current_user, today))
