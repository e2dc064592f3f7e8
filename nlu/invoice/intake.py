"""Image intake: decide whether uploaded bytes are an image we are willing to decode, and decode.

Photos come from strangers over WeChat, so every step is defensive: a size cap before anything,
magic-byte sniffing (never trust the declared type), a pixel cap that makes Pillow's
decompression-bomb *warning* an error, truncated files as errors, and EXIF orientation applied
so a phone photo stands the way it was taken.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps

from nlu.invoice.errors import ImageRejected

MAX_BYTES = 10 * 1024 * 1024
# A 50-megapixel phone photo is the largest honest input; beyond that it is a bomb.
MAX_PIXELS = 50_000_000

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)
_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF"}


def sniff(data: bytes) -> str:
    """Return "jpeg", "png" or "gif" from the magic bytes, or raise `ImageRejected`."""
    if not data:
        raise ImageRejected("empty")
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    raise ImageRejected("not_image", "unknown magic bytes")


def check_size(data: bytes) -> None:
    if not data:
        raise ImageRejected("empty")
    if len(data) > MAX_BYTES:
        raise ImageRejected("too_large", f"{len(data)} bytes")


def load_image(data: bytes, max_side: int | None = None) -> Image.Image:
    """Decode accepted bytes into an upright RGB image, or raise `ImageRejected`.

    With `max_side`, a large JPEG is decoded at a reduced scale (JPEG's DCT scaling, several
    times faster than decoding in full and resizing); the result is at least `max_side` on its
    longer side when the original was.
    """
    check_size(data)
    kind = sniff(data)
    # Pillow reads the pixel cap from a module global; set ours each time (another library in
    # the same process may have changed it) and escalate its warning to an error locally.
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[kind]])
            if opened.width * opened.height > MAX_PIXELS:
                raise ImageRejected("bomb", f"{opened.width}x{opened.height}")
            if max_side is not None and kind == "jpeg":
                opened.draft("RGB", (max_side, max_side))
            opened.load()
            image: Image.Image = ImageOps.exif_transpose(opened) or opened
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("bomb", str(exc)) from exc
    except OSError as exc:
        # Pillow reports truncated data as OSError("image file is truncated ...") or
        # SyntaxError-derived messages; anything else it cannot decode is unreadable.
        text = str(exc).lower()
        truncated = "truncated" in text or "broken data" in text
        raise ImageRejected("truncated" if truncated else "unreadable", str(exc)) from exc
    except (ValueError, SyntaxError, EOFError) as exc:
        raise ImageRejected("unreadable", str(exc)) from exc
    if image.mode != "RGB":
        image = _to_rgb(image)
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    """Flatten transparency onto white: a screenshot's alpha must not turn the page black."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
