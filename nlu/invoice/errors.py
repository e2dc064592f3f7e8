"""Typed rejections of an uploaded image, so the chat layer can answer in plain Chinese.

Perception never formats messages for people; it says *why* an image was refused with a stable
`reason` code, and the chat layer (or the CLI) maps the code to words.
"""

from __future__ import annotations

from typing import Literal

RejectReason = Literal["empty", "too_large", "not_image", "truncated", "bomb", "unreadable"]

# A default wording per reason; the chat layer may override it with its own copy.
MESSAGES_ZH: dict[str, str] = {
    "empty": "收到的文件是空的，请重新拍照发送。",
    "too_large": "图片太大了（超过10MB），请压缩后或重新拍照发送。",
    "not_image": "这不是图片文件，请发送发票的照片（JPG/PNG/GIF）。",
    "truncated": "图片不完整，可能没传完，请重新发送。",
    "bomb": "图片尺寸异常（像素过多），无法处理，请发送普通拍照的图片。",
    "unreadable": "图片无法打开，请重新拍照发送。",
    "not_invoice": "这张图片里没有识别到发票，请对准发票重新拍照。",
}


class ImageRejected(Exception):
    """The bytes are not an image we accept; `reason` is a stable code for the chat layer."""

    def __init__(self, reason: RejectReason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason: RejectReason = reason
        self.detail = detail

    @property
    def message_zh(self) -> str:
        return MESSAGES_ZH[self.reason]

    def __reduce__(self) -> tuple[type[ImageRejected], tuple[str, str]]:
        # Crosses process boundaries (the reader pool), so keep it picklable with its fields.
        return (type(self), (self.reason, self.detail))
