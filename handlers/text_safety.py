"""Making what one person typed inert before it is shown to someone else.

WeChat renders `<a href="...">` in text messages as a tappable link, and a `weixin://bizmsgmenu`
link taps as if the reader had chosen a menu option; so a client's request description could
carry a "抢单" button of its own to every accountant, or a link anywhere. The bot's own links
(quick replies) are added at the edge, after the text is composed, and never pass through here.

`inert` is applied once, where text someone typed (descriptions, progress notes, complaints,
rating comments, names) is embedded in text for another person. It keeps the text readable:
angle brackets become full-width, a dangerous scheme's colon becomes full-width, and an HTML
entity's ampersand too, so nothing can be decoded back into markup. Applying it twice changes
nothing more.
"""

from __future__ import annotations

import re

_BRACKETS = str.maketrans({"<": "＜", ">": "＞"})
# Schemes that act instead of opening a page; spaces before the colon don't save them.
_SCHEMES = re.compile(r"(weixin|javascript|vbscript)(\s*):", re.IGNORECASE)
# "&lt;", "&#60;", "&#x3c;": an entity could be decoded into markup after we looked.
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")


def inert(text: str) -> str:
    """`text` with nothing WeChat would turn into a link or markup."""
    text = text.translate(_BRACKETS)
    text = _SCHEMES.sub(r"\1\2：", text)
    return _ENTITY.sub("＆", text)
