"""Chinese capital amounts (大写) as printed in 价税合计, parsed to fen."""

from __future__ import annotations

import pytest

from nlu.invoice.capitals import looks_like_capitals, parse_capital_amount


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("肆拾玖圆陆角整", 4960),
        ("伍拾贰圆柒角", 5270),
        ("壹万叁仟柒佰肆拾贰圆零柒分", 1374207),
        ("柒仟零壹拾捌圆捌角叁分", 701883),
        ("贰仟陆佰壹拾圆整", 261000),
        ("ⓧ壹佰零叁圆伍角", 10350),
        ("伍万肆仟零柒拾贰圆贰角贰分", 5407222),
        ("壹拾万零伍元整", 10000500),
        ("壹亿贰仟万圆整", 12000000000),
        ("拾圆整", 1000),
        ("叁角", 30),
        ("柒仟零壹拾捌回捌角叁分", 701883),  # 圆 misread by OCR
    ],
)
def test_capitals_parse_to_fen(text: str, fen: int) -> None:
    assert parse_capital_amount(text) == fen


@pytest.mark.parametrize("text", ["", "abc", "天津瑞佳讯贸易有限公司", "壹贰圆"])
def test_non_amounts_are_none(text: str) -> None:
    assert parse_capital_amount(text) is None


def test_looks_like_capitals_spots_the_amount_line() -> None:
    assert looks_like_capitals("肆拾玖圆陆角整")
    assert not looks_like_capitals("价税合计（大写）")
