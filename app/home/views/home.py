"""The home page for my roles: what needs me now; and each section's full list, paged."""
from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.core import clock
from app.home.dashboard import home_for, learning_panels, section_page
from app.web import page_number

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    today = clock.today()
    blocks = home_for(current_user, today)
    return render_template("home/index.html", blocks=blocks, today=today,
                           panels=learning_panels(current_user, today))


@bp.get("/home/<key>")
@login_required
def section(key: str):
    """Everything one home section counts, ``PER_PAGE`` at a time (404: no such section; 403: not my role's)."""
    try:
        found, page = section_page(current_user, key, page_number())
    except KeyError:
        abort(404)
    except PermissionError:
        abort(403)
    return render_template("home/section.html", section=found, page=page)
