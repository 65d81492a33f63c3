"""Double submissions at the same moment (issue 9): two posts of the same form with the same token, in two
threads on their own connections, save it once, and both are answered with the same page.

On PostgreSQL the second request's claim (``INSERT ... ON CONFLICT DO NOTHING`` on the token) waits for the
first transaction, then reads the committed claim and is sent where the first was. On SQLite it waits for
the first writer's lock (the driver's busy timeout; the claim is the request's first write, so it holds no
read transaction that would make SQLite refuse it instead) and then does the same. Both databases run them.
"""
from __future__ import annotations

import threading

import pytest

from app.core import once as submissions
from app.extensions import db
from tests.conftest import Browser
from tests.core.test_submission_tokens import FORMS

RACED = {f.name: f for f in FORMS if f.name in ("grants.new_expenditure", "pl.new")}


def _racers(app, world, form, n: int = 2):
    """``n`` clients signed in as the form's sender, each with a post of the same form and the same token."""
    form.data(world)  # what the form needs, made (and committed) before anyone posts
    db.session.commit()
    user = getattr(world, form.persona)
    token = submissions.new_token()
    posts = []
    for _ in range(n):
        browser = Browser(app.test_client()).login(user)
        posts.append((browser.client, {**form.data(world), "submission_token": token, "csrf_token": browser.token()}))
    return posts


def _post(client, url, data, results, i, start=None):
    try:
        if start is not None:
            start.wait(10)
        resp = client.post(url, data=data)
        results[i] = (resp.status_code, resp.location)
    except Exception as exc:  # noqa: BLE001 - reported by the assertion below
        results[i] = exc


@pytest.mark.commits
@pytest.mark.parametrize("trial", range(3))
@pytest.mark.parametrize("name", sorted(RACED))
def test_the_same_form_posted_twice_at_the_same_moment_is_saved_once(app, world, name, trial):
    form = RACED[name]
    posts = _racers(app, world, form)
    url, before = form.url(world), form.rows(world)
    db.session.remove()
    start = threading.Barrier(len(posts))
    results: list = [None] * len(posts)
    threads = [threading.Thread(target=_post, args=(c, url, d, results, i, start)) for i, (c, d) in enumerate(posts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert [r[0] for r in results] == [302, 302], results
    assert results[0][1] == results[1][1]
    assert form.rows(world) == before + 1


@pytest.mark.commits
@pytest.mark.parametrize("name", sorted(RACED))
def test_the_second_post_waits_for_the_first_and_is_sent_where_it_was(app, world, name, monkeypatch):
    """A has claimed the token and not committed yet; B, with the same token, waits for A (it does not save
    a second row, nor fail): once A commits, B is sent to A's page."""
    form = RACED[name]
    (a_client, a_data), (b_client, b_data) = _racers(app, world, form)
    url, before = form.url(world), form.rows(world)
    claimed, release = threading.Event(), threading.Event()
    prune = submissions._prune

    def a_holds(now):  # runs right after a claim is inserted: only A gets here
        prune(now)
        claimed.set()
        assert release.wait(10)

    monkeypatch.setattr(submissions, "_prune", a_holds)
    db.session.remove()
    results: list = [None, None]
    a = threading.Thread(target=_post, args=(a_client, url, a_data, results, 0))
    b = threading.Thread(target=_post, args=(b_client, url, b_data, results, 1))
    a.start()
    assert claimed.wait(10)
    b.start()
    b.join(1.0)
    assert b.is_alive(), "B should wait for A's claim on the token"
    release.set()
    a.join(10)
    b.join(10)
    assert results[0][0] == 302 and results[1] == results[0], results
    assert form.rows(world) == before + 1
