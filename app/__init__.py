"""The application factory."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from app import config as config_module
from app.core import changes, logs, security, urls
from app.extensions import bootstrap, csrf, db, login_manager, migrate


def blueprints() -> list:
    """Every area's blueprints, in the order their routes are matched."""
    from app.api import views as api
    from app.catalog.views import catalog, registrations
    from app.grants import views as grants
    from app.home.views import home, notifications
    from app.needs.views import surveys, taxonomy
    from app.people.views import admin, auth, teams
    from app.pl.views import requests, transcript
    from app.proposals.views import proposals, staff
    from app.reports import views as reports
    from app.review.views import committee, documents, review
    from app.sharing.views import gallery, summaries

    return [m.bp for m in (auth, home, teams, proposals, staff, admin, review, committee, documents, grants,
                           summaries, gallery, notifications, taxonomy, surveys, catalog, registrations, requests,
                           transcript, api, reports)] + [grants.payments]


def create_app(config: type | dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(shipped("templates")),
        instance_relative_config=True,
    )
    app.config.from_object(config_module.Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    security.init_app(app)  # refuses to start on a missing or public secret; security headers
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = config_module.sqlite_default(app.instance_path)
    app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_url(app.config["SQLALCHEMY_DATABASE_URI"])

    logs.init_app(app)
    db.init_app(app)
    changes.init_app(app)  # public pages' versions and each opportunity's session bounds, kept on flush
    migrate.init_app(app, db, directory=str(shipped("migrations")), render_as_batch=True)
    csrf.init_app(app)
    bootstrap.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    from app.people import signin, sso

    signin.init_app(app)  # the session check (user loader), the sign-in form's rate limits and their 429 page
    sso.check_configuration(app)  # single sign-on: off, or fully configured (else no start outside debug/tests)

    from app import jinja

    jinja.init_app(app)
    urls.init_app(app)  # ids in URLs: at most what an id column holds, else 404

    for bp in blueprints():
        app.register_blueprint(bp)

    app.config["_ENDPOINTS"] = frozenset(app.view_functions)

    from app import cli

    cli.init_app(app)
    _error_pages(app)
    _health(app)
    return app


def shipped(folder: str) -> Path:
    """Where the top-level ``templates/`` or ``migrations/`` folder is: beside the ``app`` package in a
    checkout (and an editable install), inside it in an installed wheel (setup.py maps them there)."""
    package = Path(__file__).resolve().parent
    inside = package / folder
    return inside if inside.is_dir() else package.parent / folder


def _normalise_url(url: str) -> str:
    # psycopg 3 is the PostgreSQL driver we install.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _error_pages(app: Flask) -> None:
    from app.api import problems as api_problems
    from app.web import CHANGED_MEANWHILE

    messages = {
        400: ("Bad request", "The request could not be understood."),
        403: ("Not allowed", "You do not have permission to see or do this."),
        404: ("Not found", "There is nothing at this address."),
        405: ("Not allowed", "That action is not available here."),
        409: ("Changed meanwhile", CHANGED_MEANWHILE),
        413: ("File too large", "The upload is larger than the limit. Choose a smaller file and try again."),
    }

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return render_template(
            "errors/error.html", code=400, title="Form expired",
            message="The form could not be accepted because its security token was missing or expired. "
                    "Go back, reload the page and submit again.",
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        if e.code is None or e.code >= 500:
            return e
        title, message = messages.get(e.code, (e.name, e.description))
        if request.path.startswith(api_problems.PREFIX):  # the open API answers in JSON, never HTML
            return api_problems.response(e.code, title, message)
        if e.code in (400, 403, 404, 409) and e.description and e.description != type(e).description:
            message = e.description
        if e.code == 413:
            limit = app.config.get("MAX_UPLOAD_BYTES", app.config["MAX_CONTENT_LENGTH"]) // (1024 * 1024)
            message = f"The upload is larger than the {limit} MB limit. Choose a smaller file and try again."
        return render_template("errors/error.html", code=e.code, title=title, message=message), e.code

    @app.errorhandler(StaleDataError)
    def changed_meanwhile(e: StaleDataError):
        """A write that met a row someone changed meanwhile, on a route that does not go through
        ``app.web.run`` (or in a flush while a page is drawn): the same 409 as ``run`` gives."""
        db.session.rollback()
        return render_template("errors/error.html", code=409, title=messages[409][0],
                               message=CHANGED_MEANWHILE), 409

    @app.errorhandler(500)
    def server_error(e):
        # Flask has logged the exception (once, with the request's fields: app/core/logs.py). A failed
        # statement may have aborted the transaction, and the page reads the signed-in person and their
        # notifications: start a new transaction first.
        try:
            db.session.rollback()
        except Exception:  # the connection itself is gone: the page is still shown
            logging.getLogger(__name__).warning("rollback before the error page failed", exc_info=True)
        title = "Something went wrong"
        message = "The page could not be shown. Nothing you sent was lost; try again in a moment."
        if request.path.startswith(api_problems.PREFIX):
            return api_problems.response(500, title, "The answer could not be made; try again in a moment.")
        try:
            return render_template("errors/error.html", code=500, title=title, message=message), 500
        except Exception:  # the database is unreachable even for the layout: a page without it
            logging.getLogger(__name__).warning("the error page could not be drawn", exc_info=True)
            return f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{message}</p>", 500


def _health(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():
        try:
            db.session.execute(text("SELECT 1"))
            return {"status": "ok", "database": "ok", "dialect": db.engine.dialect.name}, 200
        except Exception as exc:  # the health check reports, never raises
            return {"status": "error", "database": str(exc.__class__.__name__)}, 503
