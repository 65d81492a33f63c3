"""Flask extensions, created once and bound in create_app."""
from __future__ import annotations

import click
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
login_manager = LoginManager()
bootstrap = Bootstrap5()
# Only the sign-in form is limited (app/people/signin.py); storage: RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=get_remote_address)


class Migrations:
    """Flask-Migrate, loaded the first time it is used, not when a web worker starts.

    Importing Flask-Migrate imports Alembic (about a tenth of a worker's start-up and several MB each),
    which only ``flask db ...``, ``flask demo`` and the tests' ``upgrade()`` need. ``init_app`` puts a
    stand-in at ``app.extensions["migrate"]`` that makes the real one on first use, and a ``db`` command
    group that hands ``flask db ...`` to Flask-Migrate's own.
    """

    def init_app(self, app, db, **options) -> None:
        app.extensions["migrate"] = _DeferredMigrate(app, db, options)
        app.cli.add_command(_MigrateCommands(), name="db")


class _DeferredMigrate:
    """What Flask-Migrate keeps in ``app.extensions["migrate"]``, made on first use."""

    def __init__(self, app, db, options: dict) -> None:
        self._setup = (app, db, options)
        self._real = None

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if self._real is None:
            from flask_migrate import Migrate

            app, db, options = self._setup
            holder: dict = {}
            # Migrate.init_app stores its config in app.extensions and adds the real ``db`` group: keep
            # this stand-in in place (other code may hold it) and take the config from a scratch dict.
            Migrate(**options).init_app(_Scratch(holder), db)
            self._real = holder["migrate"]
        return getattr(self._real, name)


class _Scratch:
    """Just enough of an app for ``Migrate.init_app``: its extensions and a CLI group to add to."""

    def __init__(self, extensions: dict) -> None:
        self.extensions = extensions
        self.cli = click.Group()


class _MigrateCommands(click.Group):
    """``flask db``: Flask-Migrate's command group, imported when the command runs."""

    def __init__(self) -> None:
        super().__init__(name="db", help="Perform database migrations (Flask-Migrate).")

    @staticmethod
    def _real() -> click.Group:
        from flask_migrate.cli import db as commands

        return commands

    def make_context(self, info_name, args, parent=None, **extra):
        return self._real().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx):
        return self._real().list_commands(ctx)

    def get_command(self, ctx, cmd_name):
        return self._real().get_command(ctx, cmd_name)


migrate = Migrations()
