"""The handlers every conversation needs: cancel, help, greeting, fallback, and the
subscribe / unsubscribe events."""

from __future__ import annotations

import re

from domain import binding, dispatch, handover, lifecycle
from domain.actors import actor_of
from domain.identity import Role
from domain.requests import OPEN, ServiceRequest
from handlers import cues, texts
from handlers.newcomers import stranger_help
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
        return [Text(await stranger_help(turn))]
    if turn.identity.is_staff:
        return [Text(await real_examples(turn, texts.FALLBACK_STAFF))]
    return [Text(texts.FALLBACK)]


def who_you_are(turn: Turn) -> str:
    """One line on the speaker's registration: "which company am I bound to" is help too."""
    ident = turn.identity
    if ident.is_staff:
        role = "管理员" if ident.is_admin else "员工"
        return f"{ident.display_name}，您是{ident.firm.name}的{role}。"
    if ident.role is Role.CLIENT and ident.company is not None:
        phone = ident.contact.phone if ident.contact is not None else ""
        phone_part = f"，预留手机 {phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else ""
        return (
            f"{ident.display_name}，您已绑定{ident.company.name}{phone_part}。"
            "需要更换绑定或修改信息，请联系您的专属会计。"
        )
    return ""


EXAMPLE_NUMBER = "R1024"
# Lines of the staff help about requests waiting in the pool ("抢单 R1024", "分配 R1024 …").
_POOL_LINE = re.compile(r"抢单|分配")


def _latest(reqs: list[ServiceRequest]) -> str | None:
    return max(reqs, key=lambda r: r.created_at).number if reqs else None


async def real_examples(turn: Turn, text: str) -> str:
    """The help's example number ("抢单 R1024") replaced by one this person could act on: a
    request waiting in the pool or one in hand for staff, their latest open one for a client.
    A made-up number in the examples reads like a real one."""
    ident = turn.identity
    if EXAMPLE_NUMBER not in text or ident.role is Role.STRANGER:
        return text
    actor = actor_of(ident)
    if ident.is_staff:
        held = _latest(await dispatch.my_tasks(turn.uow, actor))
        waiting = _latest(await dispatch.pool(turn.uow, actor))
        lines = []
        for line in text.split("\n"):
            number = (waiting or held) if _POOL_LINE.search(line) else (held or waiting)
            lines.append(line.replace(EXAMPLE_NUMBER, number) if number else line)
        return "\n".join(lines)
    if ident.role is Role.CLIENT and ident.company is not None:
        reqs = [r for r in await lifecycle.requests_in_view(turn.uow, actor) if r.status in OPEN]
        number = _latest(reqs)
        if number is not None:
            return text.replace(EXAMPLE_NUMBER, number)
    return text


async def help_text(turn: Turn) -> str:
    return await real_examples(turn, await _help_text(turn))


async def _help_text(turn: Turn) -> str:
    if turn.identity.is_staff:
        return who_you_are(turn) + "\n" + texts.HELP_STAFF
    if turn.identity.role is Role.CLIENT:
        return who_you_are(turn) + "\n" + texts.HELP_CLIENT
    # A stranger asking how this works (or where a binding code comes from): how to bind, where
    # the code comes from, and how to reach us, as a greeting or an unclear message gets.
    return await stranger_help(turn)


@router.intent("help")
async def help_(turn: Turn) -> list[Reply]:
    return [Text(await help_text(turn))]


@router.intent("greet")
async def greet(turn: Turn) -> list[Reply]:
    ident = turn.identity
    if ident.role is Role.STRANGER:
        return [Text(await stranger_help(turn))]
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
    if turn.identity.role is Role.STRANGER:
        return [Text(texts.BIND_FIRST)]
    if turn.identity.is_staff:
        return [Text("好的。有新业务会推送给您，回复“我的任务”看看手上的单。")]
    return [Text("好的。如需办理业务，直接告诉我您要办什么就行。")]


@router.intent("out_of_scope")
async def out_of_scope(turn: Turn) -> list[Reply]:
    """Chit-chat and rants ("生意真难做啊"): a kind word that starts nothing."""
    if turn.identity.role is Role.STRANGER:
        return [Text(await stranger_help(turn))]
    if turn.identity.is_staff:
        return [Text(await real_examples(turn, texts.FALLBACK_STAFF))]
    if FEELINGS.search(turn.message.clean_text):
        return [Text(texts.SYMPATHY)]
    return [Text(texts.OUT_OF_SCOPE_CLIENT)]


FEELINGS = re.compile(r"难|烦|累|唉|哎|愁|压力|郁闷|头疼|崩溃|😩|😭|😔|😞|😢|😫")


# --- read before the intent: English, thanks, small talk ------------------------------------


# English the parser reads with confidence is answered; the rest gets the note and the menu.
ENGLISH_UNDERSTOOD = 0.8
UNDERSTOOD_NOTHING = frozenset({"nlu_fallback", "out_of_scope", "greet", "help", "affirm", "deny"})


@router.reader()
async def english(turn: Turn) -> list[Reply] | None:
    msg = turn.message
    if not msg.has_text or msg.menu_id or not cues.is_english(msg.clean_text):
        return None
    if cues.is_thanks(msg.clean_text):
        return None  # "Thank you so much!" is thanked back like "谢谢"
    role = turn.identity.role
    parsed = await turn.understand()
    if (
        role is not Role.STRANGER
        and parsed.intent not in UNDERSTOOD_NOTHING
        and parsed.confidence >= ENGLISH_UNDERSTOOD
    ):
        # "any update on it?": answered, with a line on the language on top.
        turn.preface = texts.CHINESE_ONLY_SHORT
        return None
    if role is Role.STRANGER:
        menu = await stranger_help(turn)
    elif turn.identity.is_staff:
        menu = await real_examples(turn, texts.HELP_STAFF)
    else:
        menu = await real_examples(turn, texts.HELP_CLIENT)
    return [Text(f"{texts.CHINESE_ONLY}\n{menu}")]


def hours_text(turn: Turn) -> str:
    """The firm's working hours, worded for a client or a stranger."""
    hours = turn.ports.dispatch.hours
    return texts.hours_answer(
        hours.start.strftime("%H:%M"), hours.end.strftime("%H:%M"), hours.days
    )


@router.reader()
async def working_hours(turn: Turn) -> list[Reply] | None:
    """ "你们周末有人上班吗": the hours, not a complaint or a request."""
    msg = turn.message
    if not msg.has_text or msg.menu_id or not msg.clean_text or turn.identity.is_staff:
        return None
    if not cues.asks_hours(msg.clean_text) or len(msg.clean_text) > 40:
        return None
    return [Text(hours_text(turn))]


@router.reader()
async def how_to(turn: Turn) -> list[Reply] | None:
    """ "我这边能干啥，说简单点", "我是新来的，怎么接单啊": the help for this person's role,
    not the command the words contain."""
    msg, ident = turn.message, turn.identity
    text = msg.clean_text
    if not msg.has_text or msg.menu_id or not text or ident.role is Role.STRANGER:
        return None
    if cues.asks_what_i_can_do(text) or (ident.is_staff and cues.staff_asks_how(text)):
        return [Text(await help_text(turn))]
    return None


@router.reader()
async def thanks_and_small_talk(turn: Turn) -> list[Reply] | None:
    """ "谢谢王会计，辛苦啦🌹" gets a warm answer (and 王会计 hears it); "哈哈好的" a short one.
    (A thank-you while a rating is expected is read by `handlers.ratings` first.)"""
    msg, ident = turn.message, turn.identity
    text = msg.clean_text
    if not msg.has_text or msg.menu_id or not text:
        return None
    if cues.is_thanks(text):
        if ident.role is Role.CLIENT:
            return await _client_thanks(turn)
        if ident.is_staff:
            return [Text("不客气，大家辛苦了！")]
        return [Text("不客气😊 有需要随时找我们。")]
    if msg.msg_type == "text" and cues.is_small_talk(text) and ident.role is not Role.STRANGER:
        return [Text("好嘞😊 有需要随时找我。")]
    return None


async def _client_thanks(turn: Turn) -> list[Reply]:
    actor, text = actor_of(turn.identity), turn.message.clean_text
    staff = await handover.accountant_of(turn.uow, actor)
    named = staff is not None and (
        staff.name in text or staff.name.removesuffix("会计") + "老师" in text
    )
    if staff is None or not named:
        return [Text("不客气，这是我们应该做的😊 有需要随时找我。")]
    await handover.relay_thanks(turn.uow, actor, text, turn.now)
    return [Text(f"不客气，这是我们应该做的😊 您的谢意我已转达给{staff.name}。")]


@router.message_type("voice")
async def unheard_voice(turn: Turn) -> list[Reply]:
    """A voice message whose words are unknown (recognition off and speech-to-text failed)."""
    return [Text(texts.VOICE_UNHEARD)]


@router.event("subscribe")
async def subscribed(turn: Turn) -> list[Reply]:
    ident = turn.identity
    if ident.role is Role.STRANGER:
        return [Text(texts.WELCOME_STRANGER)]
    if ident.contact is not None:
        await binding.note_following(turn.uow, ident.firm.id, ident.openid, True, turn.now)
    return [Text(f"{ident.display_name}，欢迎回来！回复“帮助”查看我能做的事。")]


@router.event("unsubscribe")
async def unsubscribed(turn: Turn) -> list[Reply]:
    # WeChat ignores any reply to an unsubscribe; drop an unfinished flow, and mark a bound
    # contact (their reminders go by SMS until they follow again).
    turn.conversation.clear()
    ident = turn.identity
    if ident.contact is not None:
        await binding.note_following(turn.uow, ident.firm.id, ident.openid, False, turn.now)
    return []
