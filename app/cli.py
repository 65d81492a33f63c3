"""Command-line interface: flask --app app <command>."""
from __future__ import annotations

import click
from flask import Flask

from app.extensions import db


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(workflows_command)


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
    """Create a user with roles (and a side for reviewers and co-chairs)."""
    from app.services.people import PeopleError
    from app.services.people import create_user as create

    try:
        user = create(email=email, name=name, password=password, roles=roles, side=side,
                      school_name=school, job_title=job_title)
    except PeopleError as e:
        raise click.ClickException(str(e)) from None
    db.session.commit()
    click.echo(f"Created {user.name} <{user.email}> with roles: {', '.join(sorted(user.role_names))}.")


@click.command("workflows")
def workflows_command():
    """Print each workflow's transitions table, generated from its declaration."""
    from app.services.workflow import WORKFLOWS

    for _, (name, wf) in WORKFLOWS.items():
        click.echo(f"\n{name} workflow\n")
        click.echo(markdown_table(wf.table()))


def markdown_table(rows: list[dict[str, str]]) -> str:
    headers = list(rows[0].keys())
    widths = {h: max(len(h), *(len(r[h]) for r in rows)) for h in headers}
    line = "| " + " | ".join(h.ljust(widths[h]) for h in headers) + " |"
    sep = "|" + "|".join("-" * (widths[h] + 2) for h in headers) + "|"
    body = ["| " + " | ".join(r[h].ljust(widths[h]) for h in headers) + " |" for r in rows]
    return "\n".join([line, sep, *body])
