"""Say why the live-Rasa tests were skipped, even without `-rs`."""

from __future__ import annotations

from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    reasons = {
        str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        for report in terminalreporter.stats.get("skipped", [])
        if "test_rasa_live" in report.nodeid
    }
    for reason in sorted(reasons):
        terminalreporter.write_line(f"rasa tests skipped: {reason.removeprefix('Skipped: ')}")
