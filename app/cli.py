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
@click.option("--svg", "svg_dir", type=click.Path(file_okay=False, writable=True), default=None,
              help="Also write DIR/<workflow>-workflow.svg, the diagram drawn from the declaration.")
@click.option("--markdown", "md_dir", type=click.Path(file_okay=False, writable=True), default=None,
              help="Also write DIR/<workflow>-workflow.md, the transitions table.")
def workflows_command(svg_dir, md_dir):
    """Print each workflow's transitions table, generated from its declaration.

    The README's table and diagram are made with: flask --app app workflows --svg docs --markdown docs
    """
    from pathlib import Path

    from app.diagram import render_svg
    from app.services.workflow import WORKFLOWS

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
