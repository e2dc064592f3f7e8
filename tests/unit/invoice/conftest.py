"""One warmed reader for every OCR test in this package (loading the models takes a while)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

INVOICES = Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures" / "invoices"


@pytest.fixture(scope="session")
def invoices_dir() -> Path:
    if not (INVOICES / "labels.json").exists():
        pytest.skip("shared invoice fixtures not present next to the repository")
    return INVOICES


@pytest.fixture(scope="session")
def labels(invoices_dir: Path) -> dict[str, dict[str, str | None]]:
    data = json.loads((invoices_dir / "labels.json").read_text(encoding="utf-8"))
    return data["invoices"]  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def reader():  # type: ignore[no-untyped-def]
    from nlu.invoice.reader import InvoiceReader

    built = InvoiceReader(threads=2)
    built.warm_up()
    return built
