"""The devservers toolkit without starting anything: nginx is configured by the
production file, PostgreSQL's version is discovered, not assumed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from devservers import find_binary, postgres_bin_dirs, render_nginx_conf
from devservers import process as devprocess
from devservers.nginx import NGINX_TEMPLATE


def _render(tmp_path: Path, upstreams: list[int]) -> str:
    return render_nginx_conf(
        root=tmp_path, port=18080, upstream_ports=upstreams, static_root=tmp_path / "static"
    )


def test_nginx_is_the_production_file_with_local_addresses(tmp_path):
    text = _render(tmp_path, [18001, 18002])

    assert re.findall(r"server 127\.0\.0\.1:(\d+) max_fails", text) == ["18001", "18002"]
    assert "listen 127.0.0.1:18080;" in text
    assert f"alias {tmp_path / 'static'}/;" in text
    assert f"pid {tmp_path / 'nginx.pid'};" in text
    assert "app1:8000" not in text
    # Everything else is deploy/nginx.conf's: headers, timeouts, retries, gzip.
    production = NGINX_TEMPLATE.read_text()
    for directive in (
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Request-ID $taskflow_request_id;",
        "proxy_next_upstream error timeout;",
        "gzip_comp_level 5;",
        "location = /metrics {",
    ):
        assert directive in production
        assert directive in text


def test_nginx_rendering_refuses_a_production_file_it_no_longer_understands(tmp_path):
    template = tmp_path / "nginx.conf"
    template.write_text(NGINX_TEMPLATE.read_text().replace("# End of instances.", ""))
    with pytest.raises(devprocess.ServerError, match="expected one match"):
        render_nginx_conf(
            root=tmp_path, port=1, upstream_ports=[2], static_root=tmp_path, template=template
        )


def test_postgres_binaries_come_from_the_newest_installed_version(tmp_path, monkeypatch):
    installed = {}
    for version in ("9.6", "15", "17", "16"):
        bin_dir = tmp_path / "postgresql" / version / "bin"
        bin_dir.mkdir(parents=True)
        initdb = bin_dir / "initdb"
        initdb.write_text("#!/bin/sh\n")
        initdb.chmod(0o755)
        installed[version] = str(bin_dir)
    dirs = sorted(installed.values())
    monkeypatch.setattr(devprocess.glob, "glob", lambda pattern: dirs if "*" in pattern else [])
    monkeypatch.delenv("PG_BIN", raising=False)

    assert postgres_bin_dirs() == [installed[v] for v in ("17", "16", "15", "9.6")]
    assert find_binary("initdb") == f"{installed['17']}/initdb"

    monkeypatch.setenv("PG_BIN", installed["15"])
    assert find_binary("initdb") == f"{installed['15']}/initdb"


def test_gunicorn_serves_another_tree_with_its_own_code_and_config(tmp_path, monkeypatch):
    # bench/abversus.py serves an earlier commit beside this one: `python -m gunicorn`
    # run from this checkout would import this checkout's packages for both.
    from devservers import gunicorn as devgunicorn

    started = {}

    def spawn(argv, *, log, env, cwd):
        started.update(argv=argv, cwd=cwd)
        return 4242

    monkeypatch.setattr(devgunicorn, "spawn", spawn)
    server = devgunicorn.Gunicorn({}, port=1, log=tmp_path / "log", tree=tmp_path)
    assert server.start(wait=False) == 4242
    assert started["cwd"] == tmp_path
    assert started["argv"][3:5] == ["-c", str(tmp_path / "deploy" / "gunicorn.conf.py")]
    default = devgunicorn.Gunicorn({}, port=1, log=tmp_path / "log")
    default.start(wait=False)
    assert started["cwd"] == devprocess.ROOT
