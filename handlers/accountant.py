"""My accountant: the client's dedicated accountant's name, phone and working hours, and a
one-tap "请回电" that notifies the accountant.

```mermaid
stateDiagram-v2
    [*] --> shown: "我的会计是谁" / "联系会计"
    shown --> [*]: name, phone, hours + tap 请回电
    [*] --> callback: tap 请回电 / "请回电"
    callback --> [*]: accountant told (once an hour at most)
```
"""

from __future__ import annotations

from domain.clock import fmt_local
from domain.identity import Role, Staff
from domain.notices import Notice
from handlers import texts
from handlers.replies import QuickReply, Reply, Text
from handlers.router import Router
from handlers.turn import Turn

router = Router("accountant")

CALLBACK = QuickReply("request_callback:me", "请会计给我回电")


async def _accountant(turn: Turn) -> Staff | None:
    company = turn.identity.company
    if company is None or company.accountant_id is None:
        return None
    staff = await turn.uow.identities.get_staff(company.accountant_id)
    return staff if staff is not None and staff.active else None


@router.intent("contact_accountant", roles=(Role.CLIENT,), refuse="这是客户功能哦。")
async def contact_accountant(turn: Turn) -> list[Reply]:
    staff = await _accountant(turn)
    if staff is None:
        return [Text("您的专属会计还在安排中。有事可以直接在这里留言，我们会尽快回复您。")]
    phone = f"\n电话：{staff.phone}" if staff.phone else ""
    return [
        Text(
            f"您的专属会计：{staff.name}{phone}\n工作时间：{staff.working_hours}\n"
            "需要会计给您回电话，点下方按钮即可。",
            (CALLBACK,),
        )
    ]


async def _callback(turn: Turn) -> list[Reply]:
    ident = turn.identity
    if ident.role is not Role.CLIENT:
        return [Text(texts.BIND_FIRST if ident.role is Role.STRANGER else "这是客户功能哦。")]
    staff = await _accountant(turn)
    if staff is None or not staff.openid:
        return [Text("您的专属会计还在安排中。有事可以直接在这里留言，我们会尽快回复您。")]
    company = ident.company.name if ident.company else ""
    phone = ident.contact.phone if ident.contact else ""
    await turn.notify(
        Notice(
            staff.openid,
            "callback_requested",
            f"{company}的{ident.display_name}请您回电{('：' + phone) if phone else ''}。",
            template_fields={
                "company": company,
                "name": ident.display_name,
                "phone": phone,
                "time": fmt_local(turn.now),
            },
            dedup_key=f"callback:{ident.openid}:{turn.now:%Y%m%d%H}",
        )
    )
    return [Text(f"已通知{staff.name}，会尽快给您回电话（工作时间 {staff.working_hours}）。")]


@router.intent("request_callback")
async def request_callback(turn: Turn) -> list[Reply]:
    return await _callback(turn)


@router.pattern(
    r"(?:请|麻烦)?(?:让?会计)?(?:给我)?(?:回电话?|回个电话|打电话给我|给我打电话)(?:吧)?[。!！]?"
)
async def callback_typed(turn: Turn) -> list[Reply]:
    return await _callback(turn)
