"""Shared wording. The voice of a good 代账 firm: warm, brief, plain."""

WELCOME_STRANGER = (
    "您好，欢迎关注！这里是您的财税服务助手。\n"
    "如果您是我们的客户，请发送“绑定 + 6位绑定码”（例如：绑定 123456）完成绑定，"
    "绑定码可以向您的专属会计索取；员工请发送“绑定 + 8位员工绑定码”。"
)
BIND_FIRST = (
    "这项服务需要先绑定身份哦。请发送“绑定 + 绑定码”，例如：绑定 123456（员工绑定码为8位）。"
)
BIND_ASK_CODE = (
    "请发送您的绑定码：客户是6位绑定码（数字），员工是8位字母数字。"
    "绑定码可以向您的专属会计或管理员索取。"
)
FLOW_EXPIRED = "上次的办理步骤已超时，已为您自动取消。"
CANCELLED = "好的，已取消。有需要随时找我。"
NOTHING_TO_CANCEL = "好的。当前没有进行中的操作，有需要随时告诉我。"
VOICE_UNHEARD = "抱歉，这条语音没听清。麻烦再说一遍，或者直接发文字和图片给我。"
UNSUPPORTED_TYPE = "抱歉，暂时只能处理文字和图片消息。您可以直接打字告诉我需要办什么。"
FALLBACK = (
    "抱歉，我没太明白您的意思。您可以说“我要办营业执照”“查进度”“传发票”，或回复“帮助”查看全部功能。"
)
FALLBACK_STAFF = (
    "抱歉，我没太明白。您可以回复“我的任务”“抢单 R1024”“进度 R1024 内容”“完成 R1024”，"
    "或回复“帮助”查看员工功能。"
)
SYMPATHY = "辛苦了，做生意确实不容易。财税上的事交给我们就好，有需要随时找我。"
OUT_OF_SCOPE_CLIENT = (
    "这个我帮不上忙😅 财税上的事交给我们就好：办业务、查进度、传发票，直接告诉我就行。"
)
CHINESE_ONLY_SHORT = "（We work in Chinese — 我们用中文服务，您也可以直接打中文。）"
CHINESE_ONLY = (
    "您好！我们的服务目前使用中文，请用中文告诉我您的需要。\n"
    "Hello! This service works in Chinese — please write to us in Chinese."
)
BUSY_LATER = "收到，正在为您处理，稍后把结果发给您。"
INTERNAL_ERROR = "抱歉，系统开了个小差，请稍后再试。"
# The database is down: the message is kept and will be answered when it is back.
BUSY_KEPT = "收到啦，系统有点忙，处理好马上回复您。"
# Nothing could keep the message, and WeChat will not deliver it again.
BUSY_SEND_AGAIN = "系统繁忙，这条消息没能收下，请稍后再发一次。"
MESSAGE_TOO_LONG = "消息太长啦，请分几次发送。"

HELP_CLIENT = (
    "我可以帮您：\n"
    "1. 办业务：如“我要办营业执照”“工商变更”\n"
    "2. 查进度：如“查进度”“R1024到哪一步了”；没人接单前可“撤销 R1024”\n"
    "3. 传发票：直接发送发票照片；回复“本月发票”查看本月汇总\n"
    "4. 交费、评价会计、投诉建议\n"
    "5. 联系我的会计\n"
    "随时回复“取消”可退出当前操作。"
)
HELP_STAFF = (
    "员工功能：\n"
    "1. 抢单：收到新单推送后点“抢单”，或回复“抢单 R1024”\n"
    "2. 我的任务：回复“我的任务”\n"
    "3. 更新进度：如“进度 R1024 已提交工商局”\n"
    "4. 完成：如“完成 R1024”\n"
    "5. 催费、我的统计：回复“我的统计”\n"
    "6. 管理员：分配 R1024 给 王会计；结案 C1001 处理结果\n"
    "7. 客户发票：如“发票 云帆 2024-03”"
)


_WEEKDAYS = "一二三四五六日"


def hours_answer(start: str, end: str, days: frozenset[int]) -> str:
    """ "你们周末有人上班吗": the firm's hours, and that messages sent outside them wait safely."""
    ordered = sorted(days)
    if ordered and ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 1:
        span = f"周{_WEEKDAYS[ordered[0] - 1]}至周{_WEEKDAYS[ordered[-1] - 1]}"
    else:
        span = "、".join(f"周{_WEEKDAYS[d - 1]}" for d in ordered) or "工作日"
    return (
        f"我们的工作时间是{span} {start}-{end}。其他时间消息照样可以发，上班后会计会第一时间处理。"
    )
