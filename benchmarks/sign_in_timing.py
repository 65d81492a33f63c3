"""Whether the sign-in form's answer time tells an unknown email from a known one: POST /login with an
email no account has, and with a known account's email and a wrong password, interleaved, at the
production argon2 parameters (app.config.Config), and the ratio of the two median times.

    python benchmarks/sign_in_timing.py [--rounds 30]

A ratio near 1.00 means the time tells nothing; without the dummy verification for unknown emails
(app.people.accounts.authenticate) it falls far below 1 (no password hashed at all). The failed sign-in
is recorded on a known account after the answer is sent (outside the timed part, as a WSGI server
closes the response); what remains is loading the account and its roles. Builds one account
in a throw-away SQLite database; nothing else is touched. The rate limits are off for the run.
"""
from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.config import Config, TestConfig  # noqa: E402
from app.people import accounts  # noqa: E402

PASSWORD = "a-long-password"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="timed sign-ins of each kind (after a warm-up)")
    args = parser.parse_args()
    logging.getLogger("app.security").setLevel(logging.ERROR)  # one warning per refusal otherwise

    with tempfile.TemporaryDirectory() as tmp:
        class Bench(TestConfig):
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp}/bench.sqlite3"
            WTF_CSRF_ENABLED = False
            RATELIMIT_ENABLED = False
            ARGON2_TIME_COST = Config.ARGON2_TIME_COST
            ARGON2_MEMORY_COST = Config.ARGON2_MEMORY_COST
            ARGON2_PARALLELISM = Config.ARGON2_PARALLELISM

        app = create_app(Bench)
        with app.app_context():
            upgrade()
            accounts.create_user(email="known@example.org", name="Known Person", password=PASSWORD,
                                 roles=["educator"])
            from app.extensions import db

            db.session.commit()
            client = app.test_client()
            kinds = {"unknown email": "nobody@example.org", "wrong password": "known@example.org"}

            def one(email: str) -> float:
                start = time.perf_counter()
                resp = client.post("/login", data={"email": email, "password": "not-the-password"})
                resp.get_data()
                elapsed = time.perf_counter() - start
                assert resp.status_code == 422, resp.status_code
                resp.close()  # as the server does once the answer is sent: the failure is recorded then
                return elapsed

            for email in kinds.values():  # warm-up: templates, the dummy hash, connections
                one(email)
            times: dict[str, list[float]] = {k: [] for k in kinds}
            for _ in range(args.rounds):
                for kind, email in kinds.items():
                    times[kind].append(one(email))

    medians = {k: statistics.median(v) for k, v in times.items()}
    print(f"Sign-in refusals, {args.rounds} rounds each (median), argon2id "
          f"m={Config.ARGON2_MEMORY_COST} KiB, t={Config.ARGON2_TIME_COST}, p={Config.ARGON2_PARALLELISM}")
    for kind, median in medians.items():
        print(f"  {kind:<15} {median * 1000:8.1f} ms")
    ratio = medians["unknown email"] / medians["wrong password"]
    print(f"ratio unknown email / wrong password: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
