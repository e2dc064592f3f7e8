"""The domain never words anything: no Chinese in its string literals (docstrings and comments
may explain in any language). Chat text, error texts, template wording and the vocabulary people
type belong to the edges; reference data the domain recognises lives in data files."""

from __future__ import annotations

import ast
import re
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "domain"
# CJK ideographs (with extension A), CJK symbols and punctuation, full-width forms.
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")


def docstrings(tree: ast.AST) -> set[int]:
    """The ids of the string constants that are docstrings."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def chinese_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = docstrings(tree)
    return [
        f"{path.name}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and CJK.search(node.value)
    ]


def test_no_string_literal_in_the_domain_is_chinese() -> None:
    found = [hit for path in sorted(DOMAIN.glob("*.py")) for hit in chinese_literals(path)]
    assert not found, "\n".join(found)


def test_the_check_sees_f_strings_and_skips_docstrings(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""模块说明"""\ndef f(n):\n    """函数说明"""\n    # 注释\n    return f"单号 {n}"\n',
        encoding="utf-8",
    )
    assert [hit.split(": ", 1)[1] for hit in chinese_literals(sample)] == ["'单号 '"]


def test_notices_the_domain_records_carry_facts_not_wechat_payloads() -> None:
    """No `msgtype` or template fields in the domain, and the one kind of facts that carries
    words (a chat reply sent late) is built by the edges only."""
    for path in DOMAIN.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert "msgtype" not in node.value, f"{path.name}:{node.lineno}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "ChatReply", f"{path.name}:{node.lineno}"
            if isinstance(node, ast.keyword):
                assert node.arg != "template_fields", f"{path.name}:{node.lineno}"
