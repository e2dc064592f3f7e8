"""The client's mobile pages at /m/, opened from the chat inside WeChat's browser.

How a visit goes: a page without a valid session cookie sends the browser through WeChat's
silent web authorisation (`snsapi_base`, `bot.wechat.web_auth`); `/m/oauth` trades the code
for the openid and sets a signed session cookie (`bot.web.session`, two hours); every request
then resolves the openid to a person of the firm (`bot.web.guard`) and checks the page's
audience before the page's handler runs. Pages are server-rendered Jinja2 (autoescaped) in a
mobile layout (`templates/base.html`, `static/m.css`); scripts only from `static/`.

Adding a page (say /m/books):

1. write `bot/web/books.py` with a handler `async def books(request, viewer) -> Response` and
   `PAGES = (MobilePage("GET", "/books", books, Audience.CLIENT, "books", menu="我的账簿"),)`;
   `menu` lists it on the start page for those who may open it;
2. add the module to `PAGE_MODULES` in `bot/web/app.py`;
3. put its template in `bot/web/templates/` (`{% extends "base.html" %}`, blocks `title`,
   `heading`, `content`, `scripts`) and any script or style in `bot/web/static/`
   (`{{ static('books.js') }}` gives a versioned address);
4. read only through domain services with `viewer.actor`: they scope a client to their own
   company, and a refusal (`DomainError`) becomes `refusal(request, status, title, text)`,
   worded with `handlers.error_texts.error_text` or the page's own Chinese.

State-changing requests are POSTs; the guard refuses them from other sites (Origin) and
without a session, so a page's form needs nothing more. Tests: `tests/e2e/mobile/` (a real
server, the sandbox's web authorisation, `MobileVisitor` in `tests/support/mobile.py`).
"""
