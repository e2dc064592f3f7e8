"""Password hashing with argon2id (argon2-cffi), off the event loop, and the panel's wording
of the password rules in `domain.staff_access`."""

from __future__ import annotations

import asyncio

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

from domain.staff_access import MIN_PASSWORD

# What each refusal of `domain.staff_access.password_problems` means, for the person typing.
PROBLEM_ZH = {
    "too_short": f"密码至少需要 {MIN_PASSWORD} 个字符",
    "too_long": "密码太长了（最多 256 个字符）",
    "common": "这是很常见的密码，容易被猜到",
    "repetitive": "重复的字符太多",
    "digits_only": "纯数字密码至少需要 16 位",
    "contains_phone": "密码不能包含您的手机号",
    "contains_name": "密码不能包含您的姓名",
}


def problems_zh(problems: tuple[str, ...] | list[str]) -> list[str]:
    return [PROBLEM_ZH.get(p, p) for p in problems]


class Argon2Hasher:
    """argon2id. Each hash costs tens of milliseconds of CPU and 64 MiB by default (RFC 9106's
    low-memory profile): it runs in a thread, and at most `concurrency` at once, so a flood of
    logins queues instead of taking the machine."""

    def __init__(self, hasher: argon2.PasswordHasher | None = None, concurrency: int = 2) -> None:
        self._hasher = hasher or argon2.PasswordHasher()
        self._slots = asyncio.Semaphore(concurrency)
        self._dummy: str | None = None

    @classmethod
    def cheap(cls) -> Argon2Hasher:
        """Minimal cost, for tests only."""
        return cls(argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        if password_hash is None:
            # The same work as a real check, so that no account reads like a wrong password.
            if self._dummy is None:
                self._dummy = await self.hash("not the password of anyone")
            password_hash = self._dummy
            password = password + "\0"
        async with self._slots:
            try:
                return await asyncio.to_thread(self._hasher.verify, password_hash, password)
            except (VerificationError, InvalidHashError):
                return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
