"""CI's production smoke test: the app as an operator installs and runs it (README, section Production).

Builds the wheel, installs it with the [prod] set from requirements/prod.txt (hashes checked) into a fresh
venv, makes a fresh PostgreSQL database, runs the migrations, creates people with `flask create-user`,
and starts gunicorn (gunicorn.conf.py, production settings: no debug, a random SECRET_KEY, an https
PUBLIC_BASE_URL behind one trusted proxy), the mail worker and an SMTP server (aiosmtpd). Then, over HTTP,
as a browser behind the proxy would: an admin signs in and adds a school and a need; an educator signs in
and submits a PL request; the school leader's mail arrives at the SMTP server, with an https link; the
educator's transcript comes as a PDF; the security headers are checked. Then the backup: pg_dump -Fc,
pg_restore into a scratch database, and the app, started against it, shows the request. Everything it
started is stopped and both databases dropped, whatever happened.

Run by .ci/smoke (which supplies a Python with aiosmtpd); exits 1 if any step fails. The installed app
runs from a scratch folder, so it is the wheel that is tested, not the checkout.
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import html.parser
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

from aiosmtpd.controller import Controller

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts" / "smoke"
PG_URL = os.environ.get("CI_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
PUBLIC_HOST = "tlf.example.test"
PASSWORD = "correct horse battery staple smoke"
DB = "tlf_smoke"
RESTORED = "tlf_smoke_restored"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_url(dbname: str) -> str:
    parts = urllib.parse.urlsplit(PG_URL)
    return urllib.parse.urlunsplit(parts._replace(path="/" + dbname))


class Failed(Exception):
    pass


def check(ok, what: str) -> None:
    if not ok:
        raise Failed(what)


# -- processes --------------------------------------------------------------------------------------
class Processes:
    """What the smoke test starts; each in its own process group, stopped by its id."""

    def __init__(self) -> None:
        self.running: dict[str, tuple[subprocess.Popen, Path]] = {}

    def start(self, name: str, argv: list[str], env: dict, cwd: Path) -> subprocess.Popen:
        log = ARTIFACTS / f"{name}.log"
        out = log.open("wb")
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        out.close()
        self.running[name] = (proc, log)
        return proc

    def stop(self, name: str, timeout: float = 20) -> int | None:
        proc, _ = self.running.pop(name)
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                return proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
                return None
            except ProcessLookupError:
                pass
        return proc.wait(5)

    def stop_all(self) -> None:
        for name in list(self.running):
            self.stop(name)

    def tail(self, name: str, lines: int = 25) -> str:
        log = ARTIFACTS / f"{name}.log"
        if not log.exists():
            return ""
        return "\n".join(log.read_text("utf-8", "replace").splitlines()[-lines:])


def run(argv: list, env: dict | None = None, cwd: Path | None = None, timeout: float = 300, log: str = "") -> str:
    result = subprocess.run([str(a) for a in argv], env=env, cwd=cwd, capture_output=True, text=True,
                            timeout=timeout, stdin=subprocess.DEVNULL)
    if log:
        with (ARTIFACTS / f"{log}.log").open("a") as f:
            f.write(f"$ {' '.join(map(str, argv))}\n{result.stdout}{result.stderr}\n")
    if result.returncode != 0:
        raise Failed(f"{Path(str(argv[0])).name} {' '.join(map(str, argv[1:3]))} exited {result.returncode}: "
                     f"{(result.stderr or result.stdout).strip()[-1500:]}")
    return result.stdout


# -- HTTP, as a browser behind the TLS proxy ---------------------------------------------------------
class Form(html.parser.HTMLParser):
    """The forms of a page: action, method and the values a browser would post by default."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                               "fields": {}, "options": {}, "buttons": {}})
            return
        if not self.forms:
            return
        form = self.forms[-1]
        if tag == "option" and self._select:
            form["options"][self._select].append([a.get("value", ""), ""])
            if "selected" in a or self._select not in form["fields"]:
                form["fields"][self._select] = a.get("value", "")
        if "name" not in a:
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    form["fields"][a["name"]] = a.get("value", "on")
            elif kind == "submit":
                form["buttons"][a["name"]] = a.get("value", "")
            else:
                form["fields"][a["name"]] = a.get("value", "")
        elif tag == "button":
            form["buttons"][a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a["name"]
            form["options"][a["name"]] = []
        elif tag == "textarea":
            self._textarea = a["name"]
            form["fields"][a["name"]] = ""

    def handle_data(self, data):
        if self._select and self.forms and self.forms[-1]["options"].get(self._select):
            self.forms[-1]["options"][self._select][-1][1] += data.strip()
        if self._textarea:
            self.forms[-1]["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def having(self, field: str) -> dict:
        for form in self.forms:
            if field in form["fields"] or field in form["options"]:
                return form
        raise Failed(f"no form with a field {field!r} on the page")


class Browser:
    """Cookies and the headers nginx adds (deploy/nginx.conf): the app sees an https visitor."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.set_cookie_headers: list[str] = []

    def request(self, method: str, path: str, fields: dict | None = None, follow: bool = True,
                referer: str | None = None):
        for _ in range(6):
            body = urllib.parse.urlencode(fields).encode() if fields is not None else None
            headers = {"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https", "X-Forwarded-Host": PUBLIC_HOST,
                       "X-Forwarded-For": "203.0.113.7", "User-Agent": "tlf-smoke"}
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                # A browser names the page it posts from; over https Flask-WTF insists on it.
                headers["Referer"] = f"https://{PUBLIC_HOST}{referer or path}"
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            finally:
                conn.close()
            for header in resp.headers.get_all("Set-Cookie") or []:
                self.set_cookie_headers.append(header)
                name, _, rest = header.partition("=")
                value = rest.split(";", 1)[0]
                if value and "expires=thu, 01 jan 1970" not in header.lower():
                    self.cookies[name.strip()] = value
                else:
                    self.cookies.pop(name.strip(), None)
            if follow and resp.status in (301, 302, 303) and resp.headers.get("Location"):
                location = urllib.parse.urlsplit(resp.headers["Location"])
                check(location.netloc in ("", PUBLIC_HOST),
                      f"{method} {path} redirected off the public host: {resp.headers['Location']}")
                method, fields = "GET", None
                path = location.path + (f"?{location.query}" if location.query else "")
                continue
            return resp.status, resp.headers, data, path
        raise Failed(f"too many redirects from {path}")

    def page(self, path: str) -> str:
        status, _, data, _ = self.request("GET", path)
        check(status == 200, f"GET {path} answered {status}")
        return data.decode()

    def submit(self, path: str, field: str, values: dict, button: str | None = None) -> tuple[int, str, str]:
        """Fill the form of ``path`` that has ``field`` with ``values`` and post it (as the button ``button``)."""
        form = Form(self.page(path)).having(field)
        fields = dict(form["fields"])
        fields.update(values)
        if button:
            fields[button] = form["buttons"].get(button, "1")
        action = urllib.parse.urljoin(path, form["action"] or path)
        status, _, data, final = self.request(form["method"].upper(), action, fields, referer=path)
        return status, data.decode("utf-8", "replace"), final

    def sign_in(self, email_address: str) -> None:
        status, page, final = self.submit("/login", "password", {"email": email_address, "password": PASSWORD})
        check(status == 200 and "Signed in as" in page,
              f"signing in as {email_address} ended on {final} ({status}): {said(page)}")


def said(page: str) -> str:
    """What the page told its reader: the alerts and the fields' error messages, as text."""
    found = re.findall(r'<(?:div|p|li)[^>]*class="[^"]*(?:alert|invalid-feedback|error)[^"]*"[^>]*>(.*?)</(?:div|p|li)>',
                       page, re.S)
    return " | ".join(" ".join(re.sub(r"<[^>]+>", " ", f).split()) for f in found)[:600]


def option_value(page: str, field: str, text: str) -> str:
    for value, label in Form(page).having(field)["options"][field]:
        if label.startswith(text) and value:
            return value
    raise Failed(f"no option {text!r} in the list {field!r}")


# -- mail -------------------------------------------------------------------------------------------
class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted for delivery"

    def wait_for(self, rcpt: str, seconds: float) -> email.message.EmailMessage:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for rcpts, msg in self.messages:
                if rcpt in rcpts:
                    return msg
            time.sleep(0.2)
        raise Failed(f"no mail to {rcpt} reached the SMTP server in {seconds:.0f} s "
                     f"({len(self.messages)} message(s) to others)")


# -- the run ----------------------------------------------------------------------------------------
class Smoke:
    def __init__(self) -> None:
        self.results: list[tuple[str, str, float]] = []
        self.failed = False
        self.procs = Processes()
        self.work = Path(tempfile.mkdtemp(prefix="tlf-smoke-"))
        self.venv = self.work / "venv"
        self.bin = self.venv / "bin"
        self.app_cwd = self.work / "run"  # no app/ here: Python imports the installed one
        self.app_cwd.mkdir()
        self.web_port = free_port()
        self.inbox = Inbox()
        self.smtp: Controller | None = None
        self.state: dict = {}

    @contextmanager
    def step(self, name: str):
        if self.failed:
            self.results.append((name, "not run", 0.0))
            yield False
            return
        start = time.monotonic()
        print(f"smoke: {name} ...", flush=True)
        try:
            yield True
        except Exception as exc:  # whatever went wrong, the step failed: say what, then clean up
            self.failed = True
            if not isinstance(exc, Failed):
                exc = f"{type(exc).__name__}: {exc}"
            self.results.append((name, f"FAILED: {exc}", time.monotonic() - start))
            print(f"smoke: FAILED {name}: {exc}", flush=True)
        else:
            self.results.append((name, "passed", time.monotonic() - start))

    def env(self, dbname: str = DB, **extra) -> dict:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("FLASK_", "PYTHON", "VIRTUAL_ENV", "DATABASE_URL", "TEST_", "MAIL_"))}
        env.update({
            "PATH": f"{self.bin}:{env.get('PATH', '/usr/bin:/bin')}",
            "SECRET_KEY": self.state.setdefault("secret", secrets.token_hex(32)),
            "PUBLIC_BASE_URL": f"https://{PUBLIC_HOST}",
            "TRUSTED_PROXIES": "1",
            "DATABASE_URL": pg_url(dbname),
            "MAIL_ENABLED": "1", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(self.state.get("smtp_port", 25)),
            "MAIL_SENDER": "Teacher Leadership Fund <tlf@example.org>",
            "WORKER_POLL_SECONDS": "1",
            "LOG_FORMAT": "json",
            "WEB_BIND": f"127.0.0.1:{self.web_port}", "WEB_CONCURRENCY": "2",
        })
        env.update(extra)
        return env

    def flask(self, *args, dbname: str = DB, **kw) -> str:
        return run([self.bin / "flask", "--app", "app", *args], env=self.env(dbname), cwd=self.app_cwd,
                   log="cli", **kw)

    def psql(self, sql: str) -> None:
        run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", pg_url("postgres"), "-c", sql], log="postgres")

    def wait_healthy(self, name: str, port: int, seconds: float = 40) -> None:
        deadline = time.monotonic() + seconds
        proc = self.procs.running[name][0]
        while time.monotonic() < deadline:
            check(proc.poll() is None, f"{name} exited {proc.returncode} while starting:\n{self.procs.tail(name)}")
            try:
                status, _, data, _ = Browser(port).request("GET", "/healthz")
                if status == 200:
                    check(json.loads(data)["dialect"] == "postgresql", f"{name} is not on PostgreSQL: {data!r}")
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise Failed(f"{name} did not answer /healthz within {seconds:.0f} s:\n{self.procs.tail(name)}")

    # -- the steps ---------------------------------------------------------------------------------
    def install(self) -> None:
        with self.step("a fresh venv from requirements/prod.txt, hashes checked") as go:
            if go:
                run([sys.executable, "-m", "venv", self.venv])
                # --no-compile: the .pyc files of what is imported are written when it is (fewer files to write).
                pip = [self.bin / "python", "-m", "pip", "--disable-pip-version-check", "install", "--quiet",
                       "--no-compile"]
                run([*pip, "--require-hashes", "-r", REPO / "requirements/build.txt",
                     "-r", REPO / "requirements/prod.txt"], log="install", timeout=600)
        with self.step("build the wheel and install it (not editable)") as go:
            if go:
                dist = self.work / "dist"
                run([self.bin / "python", "-m", "pip", "--disable-pip-version-check", "wheel", "--quiet",
                     "--no-deps", "--no-build-isolation", "--wheel-dir", dist, REPO], log="install", cwd=REPO)
                wheels = list(dist.glob("tlf_app-*.whl"))
                check(len(wheels) == 1, f"expected one wheel, found {wheels}")
                run([self.bin / "python", "-m", "pip", "--disable-pip-version-check", "install", "--quiet",
                     "--no-compile", "--no-deps", wheels[0]], log="install")
                run([self.bin / "python", "-m", "pip", "--disable-pip-version-check", "check"], log="install")
                where = run([self.bin / "python", "-c",
                             "import app, pathlib; p = pathlib.Path(app.__file__).parent; "
                             "print(p); print((p / 'templates/base.html').is_file(), "
                             "(p / 'migrations/env.py').is_file(), (p / 'static/app.css').is_file())"],
                            cwd=self.app_cwd).split()
                check("site-packages" in where[0], f"the app was imported from {where[0]}, not the installed wheel")
                check(where[1:] == ["True", "True", "True"],
                      f"the installed app lacks templates, migrations or static files: {where}")

    def database(self) -> None:
        with self.step("a fresh PostgreSQL database; flask db upgrade") as go:
            if go:
                for name in (DB, RESTORED):
                    self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                self.psql(f'CREATE DATABASE "{DB}"')
                self.flask("db", "upgrade")
                current = self.flask("db", "current")
                check("(head)" in current, f"the database is not at the newest revision: {current!r}")
        with self.step("flask create-user: an admin") as go:
            if go:
                self.flask("create-user", "--email", "admin@example.org", "--name", "Avery Admin",
                           "--password", PASSWORD, "--role", "admin", "--role", "staff")

    def servers(self) -> None:
        with self.step("start aiosmtpd, gunicorn (gunicorn.conf.py) and the mail worker") as go:
            if go:
                self.state["smtp_port"] = free_port()
                self.smtp = Controller(self.inbox, hostname="127.0.0.1", port=self.state["smtp_port"])
                self.smtp.start()
                self.procs.start("gunicorn", [self.bin / "gunicorn", "-c", REPO / "gunicorn.conf.py"],
                                 self.env(), self.app_cwd)
                self.procs.start("worker", [self.bin / "flask", "--app", "app", "worker"], self.env(), self.app_cwd)
                self.wait_healthy("gunicorn", self.web_port)
                worker = self.procs.running["worker"][0]
                time.sleep(0.5)
                check(worker.poll() is None, f"the worker exited {worker.returncode}:\n{self.procs.tail('worker')}")

    def journeys(self) -> None:
        admin, educator = Browser(self.web_port), Browser(self.web_port)
        with self.step("security headers, over the proxy's https") as go:
            if go:
                status, headers, _, _ = admin.request("GET", "/login")
                check(status == 200, f"GET /login answered {status}")
                expected = {
                    "Content-Security-Policy": "default-src 'self'",
                    "X-Frame-Options": "DENY",
                    "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "strict-origin-when-cross-origin",
                    "Strict-Transport-Security": "max-age=",
                    "X-Request-ID": "",
                }
                for name, part in expected.items():
                    check(part in (headers.get(name) or "") and headers.get(name) is not None,
                          f"/login: header {name} is {headers.get(name)!r}, expected it to hold {part!r}")
                check("script-src 'self'" in headers["Content-Security-Policy"],
                      "the Content-Security-Policy allows scripts from elsewhere")
        with self.step("the admin signs in, adds a school and a need (HTTP)") as go:
            if go:
                admin.sign_in("admin@example.org")
                session = [h for h in admin.set_cookie_headers if h.startswith("session=")][-1].lower()
                for flag in ("secure", "httponly", "samesite=lax"):
                    check(flag in session, f"the session cookie lacks {flag}: {session}")
                status, headers, _, _ = admin.request("GET", "/")
                check(status == 200 and "no-store" in (headers.get("Cache-Control") or ""),
                      f"a signed-in page is not Cache-Control: no-store ({status}, {headers.get('Cache-Control')!r})")
                page = admin.page("/admin/schools/new")
                level = [v for v, _ in Form(page).having("name")["options"]["level"] if v][0]
                status, page, _ = admin.submit("/admin/schools/new", "name",
                                               {"name": "Smoke Test Academy", "level": level,
                                                "neighborhood": "Dorchester"})
                check(status == 200 and "Added Smoke Test Academy" in page, f"adding the school gave {status}: {said(page)}")
                status, page, _ = admin.submit("/taxonomy/new?kind=topic", "name",
                                               {"kind": "topic", "name": "Smoke-tested literacy"})
                check(status == 200 and "Smoke-tested literacy" in page, f"adding the need gave {status}: {said(page)}")
        with self.step("flask create-user: an educator and the school's leader") as go:
            if go:
                for mail, name, role in (("educator@example.org", "Eden Educator", "educator"),
                                         ("leader@example.org", "Lee Leader", "school_leader")):
                    self.flask("create-user", "--email", mail, "--name", name, "--password", PASSWORD,
                               "--role", role, "--school", "Smoke Test Academy")
        with self.step("the educator signs in and submits a PL request (HTTP)") as go:
            if go:
                educator.sign_in("educator@example.org")
                page = educator.page("/pl/requests/new")
                values = {
                    "opportunity": "", "title": "Smoke-tested reading workshop", "provider_name": "Boston Reads",
                    "cost": "120.00", "starts_on": "2027-03-01", "ends_on": "2027-03-02", "hours": "6",
                    "pdps": "6", "rationale": "My students read below grade level; this workshop is about that.",
                    "need": option_value(page, "need", "Smoke-tested literacy"),
                }
                status, page, final = educator.submit("/pl/requests/new", "rationale", values, button="submit")
                check(status == 200 and "Your request is submitted" in page,
                      f"submitting ended on {final} ({status}): {said(page)}")
                match = re.fullmatch(r"/pl/requests/(\d+)", final)
                check(match, f"submitting did not land on the request's page but on {final}")
                self.state["request_path"] = final
        with self.step("the worker delivers the school leader's mail to the SMTP server") as go:
            if go:
                msg = self.inbox.wait_for("leader@example.org", 30)
                body = msg.get_body(("plain",)).get_content()
                link = f"https://{PUBLIC_HOST}{self.state['request_path']}"
                check("endorsement" in msg["Subject"].lower(), f"unexpected subject {msg['Subject']!r}")
                check(link in body, f"the mail does not link to {link}:\n{body[:600]}")
        with self.step("the educator's PL transcript comes as a PDF") as go:
            if go:
                status, headers, data, _ = educator.request("GET", "/pl/transcript.pdf")
                check(status == 200 and headers.get("Content-Type", "").startswith("application/pdf")
                      and data.startswith(b"%PDF-"), f"/pl/transcript.pdf gave {status} {headers.get('Content-Type')}")
        with self.step("the logs are JSON lines") as go:
            if go:
                lines = [ln for ln in self.procs.tail("gunicorn", 400).splitlines() if ln.startswith("{")]
                records = [json.loads(ln) for ln in lines]
                check(any(r.get("logger") == "app.access" for r in records), "no JSON access line from the app")
                check(any(r.get("logger") == "gunicorn.error" for r in records), "gunicorn's own lines are not JSON")

    def stop_servers(self) -> None:
        with self.step("stop gunicorn and the worker (SIGTERM): both exit 0") as go:
            if go:
                for name in ("worker", "gunicorn"):
                    code = self.procs.stop(name)
                    check(code == 0, f"{name} exited {code} on SIGTERM:\n{self.procs.tail(name)}")

    def backup(self) -> None:
        dump = self.work / "tlf.dump"
        with self.step("backup: pg_dump -Fc, pg_restore into a scratch database") as go:
            if go:
                run(["pg_dump", "-Fc", "--no-owner", "-f", dump, pg_url(DB)], log="postgres")
                self.psql(f'CREATE DATABASE "{RESTORED}"')
                run(["pg_restore", "--no-owner", "--exit-on-error", "-d", pg_url(RESTORED), dump], log="postgres")
        with self.step("restore tested: the app on the restored database shows the request") as go:
            if go:
                env = self.env(RESTORED, WEB_CONCURRENCY="1")
                self.procs.start("gunicorn-restored", [self.bin / "gunicorn", "-c", REPO / "gunicorn.conf.py"],
                                 env, self.app_cwd)
                self.wait_healthy("gunicorn-restored", self.web_port)
                educator = Browser(self.web_port)
                educator.sign_in("educator@example.org")
                page = educator.page(self.state["request_path"])
                check("Smoke-tested reading workshop" in page, "the restored database lacks the PL request")
                check(self.procs.stop("gunicorn-restored") == 0, "gunicorn on the restored database did not stop cleanly")

    def cleanup(self) -> None:
        self.procs.stop_all()
        if self.smtp is not None:
            try:
                self.smtp.stop()
            except (RuntimeError, asyncio.CancelledError):
                pass
        for name in (DB, RESTORED):
            try:
                self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except (Failed, OSError, subprocess.SubprocessError) as exc:
                print(f"smoke: could not drop {name}: {exc}", file=sys.stderr)
        # Deleting a venv's thousands of files takes a minute on a slow disk: it goes on after the summary.
        subprocess.Popen(["rm", "-rf", "--", str(self.work)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)

    def main(self) -> int:
        begin = time.monotonic()
        try:
            self.install()
            self.database()
            self.servers()
            self.journeys()
            self.stop_servers()
            self.backup()
        finally:
            self.cleanup()
        if self.failed:
            for name in ("gunicorn", "worker"):
                print(f"--- last lines of {name}.log ---\n{self.procs.tail(name)}")
        print("\n=================== production smoke test ===================")
        for name, result, seconds in self.results:
            print(f"{result if result == 'passed' else result[:160]:<12} {seconds:5.1f}s  {name}")
        passed = sum(1 for _, r, _ in self.results if r == "passed")
        print(f"== smoke: {passed} of {len(self.results)} steps passed in {time.monotonic() - begin:.0f}s ==")
        return 1 if self.failed else 0


if __name__ == "__main__":
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.log"):
        old.unlink()
    sys.exit(Smoke().main())
