"""nginx in front of gunicorn instances, configured by the production file
(deploy/nginx.conf) with only its addresses and paths changed for 127.0.0.1."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from devservers.process import (
    ROOT,
    Server,
    ServerError,
    free_port,
    require_binary,
    spawn,
    wait_for_http,
)

NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf"


def render_nginx_conf(
    *,
    root: Path,
    port: int,
    upstream_ports: Sequence[int],
    static_root: Path,
    template: Path = NGINX_TEMPLATE,
) -> str:
    """``template`` with: pid, logs and temp paths under ``root``, one worker, listening
    on 127.0.0.1:``port``, the upstream servers at ``upstream_ports`` and /static/ served
    from ``static_root``. Everything else (proxy headers, gzip, timeouts, retries) is
    the production file's; a change there that breaks a substitution raises."""
    text = template.read_text()
    servers = "\n".join(
        f"        server 127.0.0.1:{upstream} max_fails=3 fail_timeout=10s;"
        for upstream in upstream_ports
    )
    temp = "".join(
        f"    {kind}_temp_path {root / ('nginx-' + kind)};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    replacements = [
        (r"(?m)^pid .*;$", f"pid {root / 'nginx.pid'};"),
        (r"(?m)^error_log .*;$", f"error_log {root / 'nginx-error.log'} warn;"),
        (r"(?m)^worker_processes .*;$", "worker_processes 1;"),
        (r"access_log /dev/stdout", f"access_log {root / 'nginx-access.log'}"),
        (r"(?m)^http \{\n", "http {\n" + temp),
        (r"(?s)(?<=# Instances)[^\n]*\n.*?(?=\s*# End of instances)", f" (local)\n{servers}"),
        (r"listen 80;", f"listen 127.0.0.1:{port};"),
        (r"alias /srv/static/;", f"alias {static_root}/;"),
    ]
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, lambda _match, new=replacement: new, text)
        if count != 1:
            raise ServerError(f"{template.name}: expected one match for {pattern!r}")
    return text


class Nginx(Server):
    """nginx on 127.0.0.1:``port`` (free by default) proxying to ``upstream_ports``.
    ``root`` holds its config, pid, logs and temp files (a temporary directory, removed
    on exit, by default); ``static_root`` is what /static/ serves."""

    def __init__(
        self,
        upstream_ports: Sequence[int],
        *,
        port: int | None = None,
        root: Path | None = None,
        static_root: Path | None = None,
    ) -> None:
        self.upstream_ports = list(upstream_ports)
        self.port = port or free_port()
        self.owns_root = root is None
        self.root = root or Path(tempfile.mkdtemp(prefix="devservers-nginx-"))
        self.static_root = static_root or ROOT / "staticfiles"
        self.binary = require_binary("nginx")
        self.pid: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def render(self) -> str:
        return render_nginx_conf(
            root=self.root,
            port=self.port,
            upstream_ports=self.upstream_ports,
            static_root=self.static_root,
        )

    def start(self, *, ready_path: str = "/healthz") -> None:
        """Start and wait until ``ready_path`` answers 200 through an upstream."""
        self.root.mkdir(parents=True, exist_ok=True)
        conf = self.root / "nginx.conf"
        conf.write_text(self.render())
        argv = [self.binary, "-p", str(self.root), "-c", str(conf)]
        argv += ["-e", str(self.root / "nginx-error.log"), "-g", "daemon off;"]
        self.pid = spawn(argv, log=self.root / "nginx.out", cwd=self.root)
        wait_for_http(f"{self.url}{ready_path}", pid=self.pid)

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
        if self.owns_root:
            shutil.rmtree(self.root, ignore_errors=True)
