"""pip-audit over requirements.txt for `make lint`, never passing silently.

Pins are exact, so pip-audit checks them as written (--no-deps --disable-pip: nothing is
installed). A pin with a known vulnerability fails. A pin that could not be audited
(no network to the vulnerability service, or the service does not know the release)
prints a loud NOT AUDITED report; it fails too when STRICT_AUDIT=1 (CI with network).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements.txt"


def main() -> int:
    strict = os.environ.get("STRICT_AUDIT", "") in {"1", "true"}
    command = [sys.executable, "-m", "pip_audit", "-r", str(REQUIREMENTS), "--no-deps"]
    command += ["--disable-pip", "--progress-spinner", "off", "--format", "json"]
    result = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        command, capture_output=True, text=True, timeout=600, check=False
    )
    try:
        dependencies = json.loads(result.stdout)["dependencies"]
    except (ValueError, KeyError):
        print("pip-audit: NOT AUDITED - it could not run or reach its vulnerability service:")
        print(result.stderr.strip()[-2000:])
        return 1 if strict else 0
    vulnerable = [dep for dep in dependencies if dep.get("vulns")]
    skipped = [dep for dep in dependencies if dep.get("skip_reason")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "none yet"
            print(f"pip-audit: {dep['name']}=={dep['version']} {vuln['id']} (fixed in {fixes})")
    if vulnerable:
        return 1
    if skipped:
        print(
            f"pip-audit: NOT AUDITED - {len(skipped)} of {len(dependencies)} pins could not be "
            "checked (vulnerability service unreachable, or it does not know these releases), "
            f"e.g. {skipped[0]['name']}: {skipped[0]['skip_reason']}"
        )
        print("pip-audit: run `STRICT_AUDIT=1 make lint` where PyPI's JSON API is reachable.")
        return 1 if strict else 0
    print(f"pip-audit: {len(dependencies)} pins audited, no known vulnerabilities")
    return 0


if __name__ == "__main__":
    sys.exit(main())
