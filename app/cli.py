"""Command-line interface: flask --app app <command>."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from app.extensions import db


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(workflows_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(send_mail_command)
    app.cli.add_command(send_reminders_command)
    app.cli.add_command(send_digests_command)
    app.cli.add_command(worker_command)


ROLE_CHOICES = ["educator", "school_leader", "reviewer", "co_chair", "staff", "admin"]


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLE_CHOICES), required=True,
              help="Repeat for several roles.")
@click.option("--side", type=click.Choice(["BTU", "BPS"]), default=None, help="For reviewers and co-chairs.")
@click.option("--school", default=None, help="School name (educators and school leaders).")
@click.option("--job-title", default="Classroom teacher")
def create_user(email, name, password, roles, side, school, job_title):
    """Create a user with roles (and a side for reviewers and co-chairs), and their password (asked for
    when not given; the password rules apply). For the first admin; admins invite everyone else."""
    from app.core.errors import FormError
    from app.people.accounts import create_user as create

    try:
        user = create(email=email, name=name, password=password, roles=roles, side=side,
                      school_name=school, job_title=job_title)
    except FormError as e:
        raise click.ClickException(str(e)) from None
    db.session.commit()
    click.echo(f"Created {user.name} <{user.email}> with roles: {', '.join(sorted(user.role_names))}.")


@click.command("workflows")
@click.option("--svg", "svg_dir", type=click.Path(file_okay=False, writable=True), default=None,
              help="Also write DIR/<workflow>-workflow.svg, the diagram drawn from the declaration.")
@click.option("--markdown", "md_dir", type=click.Path(file_okay=False, writable=True), default=None,
              help="Also write DIR/<workflow>-workflow.md, the transitions table.")
def workflows_command(svg_dir, md_dir):
    """Print each workflow's transitions table, generated from its declaration.

    The README's table and diagram are made with: flask --app app workflows --svg docs --markdown docs
    """
    from pathlib import Path

    from app.cases.advance import WORKFLOWS
    from app.cases.diagram import render_svg

    for _, (name, wf) in WORKFLOWS.items():
        table = markdown_table(wf.table())
        click.echo(f"\n{name} workflow\n")
        click.echo(table)
        for folder, suffix, text in ((svg_dir, "svg", str(render_svg(wf)) + "\n"), (md_dir, "md", table + "\n")):
            if folder:
                path = Path(folder) / f"{name}-workflow.{suffix}"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                click.echo(f"Wrote {path}")


def markdown_table(rows: list[dict[str, str]]) -> str:
    headers = list(rows[0].keys())
    widths = {h: max(len(h), *(len(r[h]) for r in rows)) for h in headers}
    line = "| " + " | ".join(h.ljust(widths[h]) for h in headers) + " |"
    sep = "|" + "|".join("-" * (widths[h] + 2) for h in headers) + "|"
    body = ["| " + " | ".join(r[h].ljust(widths[h]) for h in headers) + " |" for r in rows]
    return "\n".join([line, sep, *body])


# -- demo data -------------------------------------------------------------------------------
def _print_demo_summary(summary) -> None:
    for line in summary.lines():
        click.echo(line)


def _print_demo_logins() -> None:
    from app.demo.seeder import DEMO_PASSWORD, demo_logins

    rows = demo_logins()
    width_role = max(len(r) for r, _, _ in rows)
    width_email = max(len(e) for _, _, e in rows)
    click.echo("\nDemo logins (every demo user's password is " + DEMO_PASSWORD + "):")
    for role, name, email in rows:
        click.echo(f"  {role.ljust(width_role)}  {email.ljust(width_email)}  {name}")


@click.command("seed-demo")
@click.option("--reset", is_flag=True, help="Wipe every table first, then seed.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Place the demo round around this date (default: today in Boston).")
@with_appcontext
def seed_demo_command(reset, today):
    """Fill an empty database with the demo data (refuses when there is data, unless --reset)."""
    from app.demo.seeder import DemoError, seed

    try:
        summary = seed(today=today.date() if today else None, reset=reset)
    except DemoError as e:
        raise click.ClickException(str(e)) from None
    _print_demo_summary(summary)
    _print_demo_logins()


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the database and print the logins, then stop.")
@with_appcontext
def demo_command(host, port, no_serve):
    """Upgrade the database, seed the demo data if it is empty, print the logins and serve the app."""
    from flask import current_app
    from flask_migrate import upgrade
    from werkzeug.serving import run_simple

    from app.demo.seeder import has_data, seed

    upgrade()
    if has_data():
        click.echo("The database already has data; serving it as it is "
                   "(flask --app app seed-demo --reset starts the demo data afresh).")
    else:
        _print_demo_summary(seed())
    _print_demo_logins()
    click.echo(f"\nDatabase: {db.engine.url.render_as_string(hide_password=True)}")
    if no_serve:
        return
    click.echo(f"Open http://{host}:{port}/ (Ctrl+C stops the server).")
    run_simple(host, port, current_app._get_current_object(), use_reloader=False, use_debugger=False,
               threaded=True)



# -- mail ------------------------------------------------------------------------------------
@click.command("worker")
@click.option("--once", is_flag=True,
              help="One pass (today's reminders when due, then due mail), then exit: for cron and tests. "
                   "Exits 1 if a step failed or the mail server could not be reached.")
@click.option("--batch", default=100, show_default=True, type=click.IntRange(min=1),
              help="Messages sent per pass before the worker looks at the reminders' hour again.")
@with_appcontext
def worker_command(once, batch):
    """Send the outbox by SMTP and queue the daily reminders, until SIGTERM or SIGINT (the mail worker).

    MAIL_ENABLED=1 makes it send; WORKER_POLL_SECONDS (default 5) is its sleep when idle; REMINDERS_AT
    (default 07:00, Boston time; empty for none) is when it queues the day's reminders, DIGEST_AT (default
    17:00) the daily digests of the people who chose one. Several may run
    at once on PostgreSQL. Logs go to stderr like the app's (JSON outside --debug).
    """
    from flask import current_app

    from app.worker import Worker, WorkerSettingError

    try:
        worker = Worker(current_app._get_current_object(), batch=batch)
    except WorkerSettingError as e:
        raise click.ClickException(str(e)) from None
    raise SystemExit(worker.run(once=once, handle_signals=True))


@click.command("send-mail")
@click.option("--limit", default=500, show_default=True, type=click.IntRange(min=1),
              help="Send at most this many messages in this run.")
@click.option("--retry-given-up", is_flag=True,
              help="First give messages that failed MAIL_MAX_ATTEMPTS times a fresh set of attempts.")
@with_appcontext
def send_mail_command(limit, retry_given_up):
    """Send the outbox's due messages by SMTP now, whatever MAIL_ENABLED says (to retry failures; the
    worker sends them on its own)."""
    from app.core import mailer

    if retry_given_up:
        n = mailer.retry_given_up()
        db.session.commit()
        click.echo(f"{n} given-up message{'s' if n != 1 else ''} will be tried again.")
    result = mailer.send_pending(limit=limit)
    click.echo(str(result))
    waiting = mailer.pending_count()
    gave_up = len(mailer.given_up(limit=10_000))
    if waiting:
        click.echo(f"{waiting} message{'s' if waiting != 1 else ''} still due.")
    if gave_up:
        click.echo(f"{gave_up} message{'s' if gave_up != 1 else ''} gave up after "
                   f"{mailer.max_attempts()} attempts (listed for staff on the notifications page).")
    if result.stopped:
        raise SystemExit(1)


@click.command("send-reminders")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The Boston date to remind for (default: today in Boston).")
@click.option("--send/--no-send", default=None,
              help="Send what was queued now (default: when MAIL_ENABLED is on; else `send-mail` sends it).")
@with_appcontext
def send_reminders_command(today, send):
    """Queue today's reminders of overdue reviews, revisions and reports (once per day per item and person)."""
    from flask import current_app

    from app.core import clock, mailer
    from app.home import reminders

    day = today.date() if today else clock.today()
    queued = reminders.queue_reminders(day)
    db.session.commit()
    if not queued:
        click.echo(f"No new reminders for {day:%B %-d, %Y}.")
    else:
        click.echo(f"Queued {len(queued)} reminder{'s' if len(queued) != 1 else ''} for {day:%B %-d, %Y}:")
        for q in queued:
            click.echo(f"  {q.item.what.lower()} ({q.item.due_text(day)}): "
                       f"{q.item.proposal.display_title} -> {q.user.name} <{q.user.email}>")
    if send is None:
        send = bool(current_app.config.get("MAIL_ENABLED"))
    if send and queued:
        click.echo(str(mailer.send_pending(limit=len(queued), ids=[q.message_id for q in queued])))


@click.command("send-digests")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The Boston date of the digests (default: today in Boston).")
@with_appcontext
def send_digests_command(today):
    """Queue today's daily digests (one per person who chose the digest and has messages waiting; once a
    day per person, however often it runs). The worker or `send-mail` sends them."""
    from app.core import clock
    from app.home import digest

    day = today.date() if today else clock.today()
    queued = digest.queue_digests(day)
    click.echo(f"Queued {len(queued)} daily digest{'s' if len(queued) != 1 else ''} for {day:%B %-d, %Y}"
               + (f" ({sum(d.count for d in queued)} messages)." if queued else "."))
