"""Business errors. Each carries a short Chinese message fit to show the person who caused it."""

from __future__ import annotations


class DomainError(Exception):
    """A request the business rules refuse; nothing was changed."""

    def __init__(self, message_zh: str, code: str = "refused") -> None:
        super().__init__(message_zh)
        self.message_zh = message_zh
        self.code = code


class NotFound(DomainError):
    def __init__(self, message_zh: str = "没有找到相关记录。") -> None:
        super().__init__(message_zh, "not_found")


class Forbidden(DomainError):
    def __init__(self, message_zh: str = "抱歉，这项操作您没有权限。") -> None:
        super().__init__(message_zh, "forbidden")


class Conflict(DomainError):
    def __init__(self, message_zh: str) -> None:
        super().__init__(message_zh, "conflict")
