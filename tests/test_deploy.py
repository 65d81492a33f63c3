"""What an operator relies on: the wheel holds the whole app, the lock files hold what pyproject.toml asks
for, gunicorn.conf.py reads its settings, and every setting the app reads is documented.

CI's production smoke test (.ci/smoke) runs the installed wheel under gunicorn on PostgreSQL; these are
the quick checks, without a server or a database.
"""
from __future__ import annotations

import os
import re
import runpy
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import app as app_package

ROOT = Path(__file__).resolve().parent.parent
LOCKS = {"base": (), "test": ("test",), "prod": ("prod",)}
PINNED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^ ;\\]+)", re.M)
READS_ENV = re.compile(r"""os\.environ(?:\.get\(|\[)\s*["']([A-Z][A-Z0-9_]*)["']""")


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / "requirements" / f"{lock}.txt").read_text()
    return {canonicalize_name(name): version for name, version in PINNED.findall(text)}


def settings_read_from_the_environment() -> set[str]:
    names = set()
    for path in [*sorted((ROOT / "app").rglob("*.py")), ROOT / "gunicorn.conf.py"]:
        names.update(READS_ENV.findall(path.read_text(encoding="utf-8")))
    return names


def production_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n## Production")
    end = readme.find("\n## ", start + 1)
    return readme[start:end if end != -1 else None]


# -- the lock files ----------------------------------------------------------------------------------
@pytest.mark.parametrize("lock", LOCKS)
def test_each_lock_pins_every_dependency_pyproject_names_with_a_version_it_allows(lock):
    project = pyproject()["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    for extra in LOCKS[lock]:
        wanted += [Requirement(r) for r in project["optional-dependencies"][extra]]
    pinned = pins(lock)
    missing = [str(r) for r in wanted if canonicalize_name(r.name) not in pinned]
    assert not missing, f"requirements/{lock}.txt lacks {missing}: run scripts/lock and commit requirements/"
    outside = [f"{r.name}=={pinned[canonicalize_name(r.name)]} (pyproject.toml: {r})" for r in wanted
               if not r.specifier.contains(pinned[canonicalize_name(r.name)], prereleases=True)]
    assert not outside, f"requirements/{lock}.txt pins versions pyproject.toml refuses: {outside}; run scripts/lock"
    blocks = re.split(r"(?m)^(?=[A-Za-z0-9])", (ROOT / "requirements" / f"{lock}.txt").read_text())
    unhashed = [b.split()[0] for b in blocks if PINNED.match(b) and "--hash=sha256:" not in b]
    assert not unhashed, f"requirements/{lock}.txt pins without a hash: {unhashed}"


def test_the_runtime_and_prod_locks_take_the_test_locks_versions():
    """What CI tests (test.txt) is what the demo and production install (base.txt, prod.txt)."""
    tested = pins("test")
    for lock in ("base", "prod"):
        differ = {name: (v, tested[name]) for name, v in pins(lock).items() if name in tested and tested[name] != v}
        assert not differ, f"requirements/{lock}.txt and test.txt disagree: {differ}; run scripts/lock"


def test_the_build_lock_pins_setuptools_that_pyproject_builds_with():
    build = [Requirement(r) for r in pyproject()["build-system"]["requires"]]
    pinned = pins("build")
    for r in build:
        assert r.specifier.contains(pinned[canonicalize_name(r.name)]), f"requirements/build.txt: {r}"


# -- the wheel -------------------------------------------------------------------------------------
def _setuptools_builds_wheels() -> bool:
    """setuptools 70.1+ builds wheels itself (requirements/build.txt pins one); older ones need ``wheel``."""
    from importlib.metadata import PackageNotFoundError, version
    from importlib.util import find_spec

    try:
        major, minor = (int(p) for p in version("setuptools").split(".")[:2])
    except (PackageNotFoundError, ValueError):
        return False
    return (major, minor) >= (70, 1) or find_spec("wheel") is not None


@pytest.mark.skipif(not _setuptools_builds_wheels(),
                    reason="this venv's setuptools cannot build a wheel offline: install requirements/build.txt")
def test_the_wheel_holds_the_templates_migrations_and_static_files(tmp_path):
    """Built from a copy of the sources (the build writes into its source folder), offline, with this venv's
    setuptools: every file of templates/, migrations/ and app/static/ is in the wheel, inside the app
    package, and nothing compiled."""
    src = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("app", "forms", "workflows", "templates", "migrations"):
        shutil.copytree(ROOT / folder, src / folder, ignore=ignore)
    for name in ("setup.py", "pyproject.toml"):
        shutil.copy(ROOT / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "--wheel-dir", str(tmp_path / "dist"), str(src)],
                   check=True, capture_output=True, stdin=subprocess.DEVNULL, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("tlf_app-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    def files(folder: Path) -> set[str]:
        return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts}

    for folder, inside in (("templates", "app/templates"), ("migrations", "app/migrations"),
                           ("app/static", "app/static")):
        expected = {f"{inside}/{name}" for name in files(ROOT / folder)}
        assert expected and expected <= names, f"{folder}/ not all in the wheel: {sorted(expected - names)[:5]}"
    for package in ("app/__init__.py", "app/worker.py", "forms/base.py", "workflows/engine.py"):
        assert package in names
    assert not [n for n in names if n.endswith(".pyc") or "__pycache__" in n]
    assert not [n for n in names if n.startswith(("tests/", "templates/", "migrations/"))]


def test_in_a_checkout_the_app_finds_the_top_level_folders():
    assert app_package.shipped("templates") == ROOT / "templates"
    assert app_package.shipped("migrations") == ROOT / "migrations"


def test_installed_the_app_finds_its_folders_inside_the_package(tmp_path, monkeypatch):
    """The wheel's layout (setup.py): app/templates and app/migrations beside app/__init__.py."""
    fake = tmp_path / "site-packages" / "app"
    (fake / "templates").mkdir(parents=True)
    (fake / "migrations").mkdir()
    monkeypatch.setattr(app_package, "__file__", str(fake / "__init__.py"))
    assert app_package.shipped("templates") == fake / "templates"
    assert app_package.shipped("migrations") == fake / "migrations"


# -- gunicorn.conf.py --------------------------------------------------------------------------------
def gunicorn_settings(monkeypatch, **env) -> dict:
    for name in ("WEB_BIND", "WEB_CONCURRENCY", "WEB_TIMEOUT", "WEB_GRACEFUL_TIMEOUT", "WEB_PRELOAD", "LOG_FORMAT",
                 "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_defaults_listen_on_the_loopback_and_leave_forwarded_headers_to_the_app(monkeypatch):
    conf = gunicorn_settings(monkeypatch)
    assert conf["wsgi_app"] == "app:create_app()"
    assert conf["bind"] == ["127.0.0.1:8000"]
    assert 3 <= conf["workers"] <= 8
    assert conf["forwarded_allow_ips"] == "" and conf["secure_scheme_headers"] == {}
    assert conf["accesslog"] is None  # the app logs each request itself (app.access)
    assert conf["graceful_timeout"] == 30 and conf["timeout"] == 60
    assert conf["logconfig_dict"]["handlers"]["json"]["()"] == "app.core.logs.handler"
    assert conf["control_socket_disable"] is True


def test_gunicorn_reads_its_settings_from_the_environment(monkeypatch):
    conf = gunicorn_settings(monkeypatch, WEB_BIND="127.0.0.1:9001, unix:/run/tlf/web.sock", WEB_CONCURRENCY="3",
                             WEB_TIMEOUT="90", WEB_GRACEFUL_TIMEOUT="10", LOG_FORMAT="text")
    assert conf["bind"] == ["127.0.0.1:9001", "unix:/run/tlf/web.sock"]
    assert (conf["workers"], conf["timeout"], conf["graceful_timeout"]) == (3, 90, 10)
    assert "logconfig_dict" not in conf  # text: gunicorn's own plain lines


# -- every setting documented ----------------------------------------------------------------------
def test_every_setting_the_app_reads_is_in_the_env_example_and_the_readme_table():
    names = settings_read_from_the_environment()
    assert {"SECRET_KEY", "DATABASE_URL", "PUBLIC_BASE_URL", "TRUSTED_PROXIES", "WEB_BIND"} <= names
    example = (ROOT / "deploy" / "tlf.env.example").read_text(encoding="utf-8")
    not_in_example = sorted(n for n in names if not re.search(rf"(?m)^#?{n}=", example))
    assert not not_in_example, f"deploy/tlf.env.example does not list {not_in_example}"
    table = production_section()
    not_in_readme = sorted(n for n in names if f"| `{n}`" not in table)
    assert not not_in_readme, f"README.md's Production table does not list {not_in_readme}"


def test_the_systemd_units_run_what_the_readme_says(tmp_path):
    web = (ROOT / "deploy" / "tlf-web.service").read_text()
    worker = (ROOT / "deploy" / "tlf-worker.service").read_text()
    assert "ExecStart=/opt/tlf/venv/bin/gunicorn -c /etc/tlf/gunicorn.conf.py" in web
    assert "ExecStartPre=/opt/tlf/venv/bin/flask --app app db upgrade" in web
    assert "ExecStart=/opt/tlf/venv/bin/flask --app app worker" in worker
    for unit in (web, worker):
        for line in ("EnvironmentFile=/etc/tlf/tlf.env", "User=tlf", "NoNewPrivileges=yes", "ProtectSystem=strict",
                     "PrivateTmp=yes"):
            assert line in unit
    if shutil.which("systemd-analyze"):
        for name, text in (("tlf-web.service", web), ("tlf-worker.service", worker)):
            (tmp_path / name).write_text(text.replace("/opt/tlf/venv/bin/", "/usr/bin/env "))
        result = subprocess.run(["systemd-analyze", "verify", "--man=no", *sorted(map(str, tmp_path.iterdir()))],
                                capture_output=True, text=True, env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"},
                                stdin=subprocess.DEVNULL, timeout=60)
        assert result.returncode == 0 and not result.stderr.strip(), result.stderr


@pytest.mark.skipif(not (shutil.which("nginx") and shutil.which("openssl")), reason="nginx or openssl is not installed")
def test_the_nginx_example_is_valid_and_sets_the_forwarded_headers_the_app_believes(tmp_path):
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    for header in ("X-Forwarded-For $remote_addr", "X-Forwarded-Proto $scheme", "X-Forwarded-Host $host"):
        assert f"proxy_set_header {header};" in site  # one hop, overwriting what a visitor sent: TRUSTED_PROXIES=1
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=tlf.example.org",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True, stdin=subprocess.DEVNULL, timeout=60)
    (tmp_path / "logs").mkdir()
    (tmp_path / "site.conf").write_text(
        site.replace("/etc/letsencrypt/live/tlf.example.org/fullchain.pem", str(tmp_path / "cert.pem"))
            .replace("/etc/letsencrypt/live/tlf.example.org/privkey.pem", str(tmp_path / "key.pem")))
    (tmp_path / "nginx.conf").write_text(
        f"error_log {tmp_path}/logs/error.log;\npid {tmp_path}/nginx.pid;\nevents {{}}\n"
        f"http {{ access_log off; include {tmp_path}/site.conf; }}\n")
    result = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert result.returncode == 0, result.stderr


def test_gunicorn_preloads_the_app_unless_told_not_to(monkeypatch):
    assert gunicorn_settings(monkeypatch)["preload_app"] is True
    assert gunicorn_settings(monkeypatch, WEB_PRELOAD="0")["preload_app"] is False
    assert gunicorn_settings(monkeypatch, WEB_PRELOAD="1")["preload_app"] is True


def test_gunicorn_freezes_the_built_app_out_of_the_garbage_collectors_walks():
    """The master once the preloaded app is built, and each worker once ready, collect and then freeze
    what is left (app/core/heap.py): no full collection walks the app's objects again. In a fresh
    interpreter, so that this test process is not frozen."""
    script = (
        "import gc, runpy\n"
        "conf = runpy.run_path('gunicorn.conf.py')\n"
        "assert gc.get_freeze_count() == 0\n"
        "from app import create_app\n"
        "conf['when_ready'](None)\n"
        "master = gc.get_freeze_count()\n"
        "junk = [[i] for i in range(5000)]\n"
        "conf['post_worker_init'](None)\n"
        "print(master, gc.get_freeze_count(), gc.get_count()[0])\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    master, worker, young = map(int, out.stdout.split())
    assert master > 50_000  # the app's modules, mappers, templates' code: frozen
    assert worker >= master + 5_000  # what the worker made since is frozen too
    assert young < 100  # and nothing is left for the next collection to walk
