"""The panel's own CSS and the vendored htmx, served by the app (never from a CDN)."""

from __future__ import annotations

from aiohttp import web

from admin_web.templating import static_files


async def static_file(request: web.Request) -> web.StreamResponse:
    found = static_files().get(request.match_info["name"])
    if found is None:
        raise web.HTTPNotFound()
    # Links carry the content's hash (`templating.static_url`): a new file is a new address.
    cache = "public, max-age=31536000, immutable" if request.query.get("v") else "no-cache"
    return web.Response(
        body=found.body,
        content_type=found.content_type,
        charset="utf-8" if found.content_type.startswith("text/") else None,
        headers={"Cache-Control": cache},
    )
