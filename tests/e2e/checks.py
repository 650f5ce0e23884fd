"""Accessibility and HTML checks for the browser tests.

``assert_accessible(page)`` runs axe-core (node_modules/axe-core, the version in
package-lock.json) inside the page with the WCAG 2.x A/AA rules and fails on every
violation of impact serious or critical, naming the elements. ``assert_valid_html``
runs the Nu Html Checker (node_modules/vnu-jar, Java 17) once over many pages, since
starting the JVM costs seconds, and fails on every error.

Both return nothing on success and raise AssertionError with a readable list, so a
test can also collect failures over many pages with ``accessibility_problems`` /
``html_errors`` and report them together.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from playwright.sync_api import Page

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = REPO_ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# The conformance levels we promise: WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = frozenset({"serious", "critical"})


def accessibility_problems(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line per element."""
    if not AXE_JS.exists():
        raise AssertionError(f"{AXE_JS} is missing: run `make install` (npm ci installs axe-core)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the page's Content-Security-Policy
        # does not govern: an added <script> element (add_script_tag) is inline, and refused.
        page.evaluate(AXE_JS.read_text())
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary || ''})),
            }));
        }""",
        WCAG_TAGS,
    )
    problems = []
    for violation in result:
        if violation["impact"] not in BLOCKING_IMPACTS:
            continue
        for node in violation["nodes"]:
            detail = " ".join(node["summary"].split())
            problems.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} — {node['target']}"
                + (f" — {detail}" if detail else "")
            )
    return problems


def assert_accessible(page: Page) -> None:
    """Fail listing every serious/critical WCAG A/AA violation axe-core finds on the page."""
    problems = accessibility_problems(page)
    assert not problems, f"axe-core on {page.url}:\n  " + "\n  ".join(problems)


def html_errors(html_by_url: Mapping[str, str]) -> dict[str, list[str]]:
    """The Nu Html Checker's errors per URL; one JVM for all pages (each written to a temp file)."""
    if not html_by_url:
        return {}
    if shutil.which("java") is None:
        raise AssertionError("the Nu Html Checker needs Java 17 (apt-get install openjdk-17-jre-headless)")
    if not VNU_JAR.exists():
        raise AssertionError(f"{VNU_JAR} is missing: run `make install` (npm ci installs vnu-jar)")
    with tempfile.TemporaryDirectory(prefix="vnu-") as tmp:
        file_to_url: dict[str, str] = {}
        paths = []
        for i, (url, html) in enumerate(html_by_url.items()):
            path = Path(tmp) / f"page-{i:03}.html"
            path.write_text(html, encoding="utf-8")
            paths.append(str(path))
            file_to_url[f"file:{path}"] = url  # how vnu names a file in its report
        run = subprocess.run(
            ["java", "-jar", str(VNU_JAR), "--format", "json", "--stdout", *paths],
            capture_output=True,
            text=True,
            timeout=300,
        )
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError as exc:
        detail = f"{run.stdout[:500]} {run.stderr[:500]}"
        raise AssertionError(f"vnu.jar gave no JSON (exit {run.returncode}): {detail}") from exc
    errors: dict[str, list[str]] = {}
    for message in report.get("messages", []):
        if message.get("type") != "error" and message.get("subType") != "fatal":
            continue
        url = file_to_url.get(message.get("url", ""), message.get("url", "?"))
        where = f"line {message['lastLine']}" if "lastLine" in message else "page"
        extract = " ".join(message.get("extract", "").split())
        errors.setdefault(url, []).append(f"{where}: {message['message']}" + (f" — {extract}" if extract else ""))
    return errors


def assert_valid_html(html_by_url: Mapping[str, str]) -> None:
    """Fail on any error the Nu Html Checker reports in any of the pages (warnings pass)."""
    errors = html_errors(html_by_url)
    lines = [f"{url}:\n    " + "\n    ".join(found) for url, found in errors.items()]
    assert not errors, "Nu Html Checker errors:\n  " + "\n  ".join(lines)
