"""The handlers every conversation needs: cancel, help, greeting, fallback, and the
subscribe / unsubscribe events."""

from __future__ import annotations

from domain.identity import Role
from handlers import texts
from handlers.replies import Reply, Text
from handlers.router import Router
from handlers.turn import Turn

router = Router("basics")


async def cancel(turn: Turn) -> list[Reply]:
    if turn.conversation.flow is None:
        return [Text(texts.NOTHING_TO_CANCEL)]
    turn.conversation.clear()
    return [Text(texts.CANCELLED)]


async def fallback(turn: Turn) -> list[Reply]:
    if turn.identity.role is Role.STRANGER:
        return [Text(texts.WELCOME_STRANGER)]
    return [Text(texts.FALLBACK)]


def _help_text(turn: Turn) -> str:
    if turn.identity.is_staff:
        return texts.HELP_STAFF
    if turn.identity.role is Role.CLIENT:
        return texts.HELP_CLIENT
    return texts.WELCOME_STRANGER


@router.intent("help")
async def help_(turn: Turn) -> list[Reply]:
    return [Text(_help_text(turn))]


@router.intent("greet")
async def greet(turn: Turn) -> list[Reply]:
    ident = turn.identity
    if ident.role is Role.STRANGER:
        return [Text(texts.WELCOME_STRANGER)]
    name = ident.display_name
    if ident.role is Role.CLIENT and ident.company is not None:
        return [
            Text(
                f"{name}您好！我是{ident.firm.name}的服务助手，请问今天需要办理什么？\n回复“帮助”查看我能做的事。"
            )
        ]
    return [Text(f"{name}您好！回复“帮助”查看员工功能。")]


@router.intent("affirm", "deny")
async def stray_yes_no(turn: Turn) -> list[Reply]:
    return [Text("好的。如需办理业务，直接告诉我您要办什么就行。")]


@router.event("subscribe")
async def subscribed(turn: Turn) -> list[Reply]:
    ident = turn.identity
    if ident.role is Role.STRANGER:
        return [Text(texts.WELCOME_STRANGER)]
    return [Text(f"{ident.display_name}，欢迎回来！回复“帮助”查看我能做的事。")]


@router.event("unsubscribe")
async def unsubscribed(turn: Turn) -> list[Reply]:
    # WeChat ignores any reply to an unsubscribe; just drop an unfinished flow.
    turn.conversation.clear()
    return []
