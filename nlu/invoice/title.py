"""The invoice's title row ("江苏增值税普通发票", "电子发票（普通发票）"): which kind of invoice.

The title is the largest print at the top of the form. On classic forms a red 监制章 stamp sits on
its middle, so detection often finds only fragments of it and recognition garbles the characters
under the stamp; the reader then re-reads the whole row (`title_fragments` says where) and the
kind is the known type nearest to what was read, when exactly one is near enough.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

from nlu.invoice.layout import Line, normalise, right_of, same_row
from nlu.invoice.qr_payload import QR_TYPE_NAMES

INVOICE_TYPES: tuple[str, ...] = (
    *QR_TYPE_NAMES.values(),
    "增值税普通发票",
    "增值税专用发票",
    "增值税电子普通发票",
    "增值税电子专用发票",
    "电子发票(增值税专用发票)",
    "电子发票(普通发票)",
    "电子发票(铁路电子客票)",
    "电子发票(航空运输电子客票行程单)",
)
TITLE_SKIP = re.compile(r"代码|号码|日期|校验|专用章|监制|机器|编号|开票人|代开|销售方|购买方")
# Titles of provincial forms start with the issuing province or separately planned city.
_PROVINCES = (
    "(北京|天津|河北|山西|内蒙古|辽宁|大连|吉林|黑龙江|上海|江苏|浙江|宁波|安徽|福建|厦门|江西|"
    "山东|青岛|河南|湖北|湖南|广东|深圳|广西|海南|重庆|四川|贵州|云南|西藏|陕西|甘肃|青海|宁夏|新疆)"
)
_PROVINCE = re.compile("^" + _PROVINCES)
_PROVINCE_ANYWHERE = re.compile(_PROVINCES)
# The "No 02995607" mark printed on the title's row of classic forms.
_NUMBER_MARK = re.compile(r"^(No|NO|N0|N|№)[.:]?\d{8}$")
# Choosing a type for a garbled title (see `constrained_type`): the winner's log-likelihood
# must beat the runner-up's by this much (e^6: some 400 times likelier) ...
TITLE_MARGIN_NATS = 6.0
# ... and be at most this far below the model's own greedy reading of the band.
TITLE_GAP_NATS = 16.0


def _canon(text: str) -> str:
    return normalise(text).replace("【", "(").replace("】", ")")


def _display(name: str) -> str:
    return name.replace("(", "（").replace(")", "）")


def title_band(lines: list[Line]) -> float:
    """The lowest y a title line may start at: the top 40 % of the text on the page, or down
    to the "No" mark's row when the invoice sits lower (inside a screenshot of an app)."""
    top = min(line.y0 for line in lines)
    bottom = max(line.y1 for line in lines)
    band = top + 0.4 * (bottom - top)
    for line in lines:
        if _NUMBER_MARK.match(line.norm):
            band = max(band, line.y1)
    return band


def read_invoice_type(lines: list[Line]) -> tuple[str, float] | None:
    """The invoice type named by the title, with a confidence, or None."""
    if not lines:
        return None
    band = title_band(lines)
    best: tuple[float, str, float] | None = None
    for line in lines:
        if line.y0 > band or not line.full:
            continue
        own = _canon(line.text)
        if TITLE_SKIP.search(own):
            continue
        # A stamp often splits the title in two boxes: read it together with its row mates.
        mates = [
            m
            for m in right_of(line, lines, max_gap=4 * line.height)[:2]
            if m.full and not TITLE_SKIP.search(m.norm)
        ]
        for text in {own, own + "".join(_canon(m.text) for m in mates)}:
            if not ("票" in text or "增值" in text):
                continue
            for start in ("电子发票", "增值"):
                if start in text:
                    text = text[text.index(start) :]
                    break
            for name in INVOICE_TYPES:
                canon = _canon(name)
                if canon in text:
                    score = 1.0 + len(canon) / 100
                else:
                    score = difflib.SequenceMatcher(None, canon, text).ratio()
                if score >= 0.75 and (best is None or score > best[0]):
                    best = (score, _display(name), line.score)
    if best is not None:
        return best[1], best[2] * min(1.0, best[0])
    return None


def constrained_type(
    reading: str, score: float, likelihood: Callable[[str], float | None]
) -> tuple[str, float] | None:
    """The invoice type a garbled title reading most likely is, when one clearly wins.

    `reading` is the greedy text of the title band and `likelihood(text)` the recognition
    model's log-likelihood of another text for the same band. Each known type is put in the
    title's place (keeping what was read before and after it: a province, a stray digit of
    the code) and scored; the best must beat the runner-up by TITLE_MARGIN_NATS and stay
    within TITLE_GAP_NATS of the greedy reading itself, so a title of a kind not in the list
    is not forced onto the nearest one.
    """
    start = _title_start(reading)
    end = reading.rindex("票") + 1 if "票" in reading[start:] else len(reading)
    before, after = reading[:start], reading[end:]
    province = _PROVINCE.match(reading[start:])
    if province:
        before += province.group(0)
    greedy = likelihood(reading)
    if greedy is None:
        return None
    ranked: list[tuple[float, str]] = []
    for name in set(INVOICE_TYPES):
        value = likelihood(before + _canon(name) + after)
        if value is not None:
            ranked.append((value, name))
    if len(ranked) < 2:
        return None
    ranked.sort(reverse=True)
    (best, name), (second, _) = ranked[0], ranked[1]
    gap = greedy - best
    if best - second < TITLE_MARGIN_NATS or gap > TITLE_GAP_NATS:
        return None
    # A reading by elimination: the further from what the model read, the less sure.
    return _display(name), round(score * max(0.5, 1 - gap / (2 * TITLE_GAP_NATS)), 3)


def _title_start(reading: str) -> int:
    province = _PROVINCE_ANYWHERE.search(reading)
    if province:
        return province.start()
    for start in ("电子发票", "增值"):
        if start in reading:
            return reading.index(start)
    return 0


def title_fragments(lines: list[Line]) -> list[Line]:
    """Pieces of the title row ("增值" ... "发票"), for a re-read when a stamp split it."""
    if not lines:
        return []
    band = title_band(lines)
    seeds = [
        line
        for line in lines
        if line.y0 <= band
        and not TITLE_SKIP.search(line.norm)
        and (re.search(r"增值|发票|电子", line.norm) or _PROVINCE.match(line.norm))
    ]
    if not seeds:
        return []
    seed = max(seeds, key=lambda line: line.height)
    row = [
        line
        for line in lines
        if line is seed
        or (
            same_row(seed, line)
            and abs(line.height - seed.height) < 0.35 * seed.height
            and re.search(r"[\u4e00-\u9fff]", line.norm)  # not the code or No. beside it
            and not TITLE_SKIP.search(line.norm)
            and abs(line.cx - seed.cx) < 8 * seed.height
        )
    ]
    return sorted(row, key=lambda line: line.x0)
