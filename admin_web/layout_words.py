"""The panel's words for the menu and home-page editors: what each problem found by
`domain.oa_menu.problems` and `domain.home_page.problems` means, where it is, and the Chinese
names of the bot's menu keys and of WeChat's refusals of a menu."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from domain.home_page import HomeProblem
from domain.oa_menu import MenuProblem

MENU_PROBLEM_ZH: Mapping[str, str] = {
    "menu_empty": "菜单至少要有一个按钮。",
    "too_many_buttons": "主菜单最多 {limit} 个。",
    "too_many_subs": "子菜单最多 {limit} 个。",
    "name_missing": "请填写名称。",
    "name_too_long": "名称“{name}”有 {bytes} 字节，最多 {limit} 字节（一个汉字占 3 字节）。",
    "action_missing": "请选择点击后做什么（或在下面添加子菜单）。",
    "type_unknown": "不支持的按钮类型 {type}。",
    "key_missing": "请选择点击后机器人做的事。",
    "key_too_long": "按钮的 key 有 {bytes} 字节，最多 {limit} 字节。",
    "key_unknown": "“{key}”不是机器人认识的功能，客户点了会没有反应。",
    "url_missing": "请填写网址。",
    "url_too_long": "网址有 {bytes} 字节，最多 {limit} 字节。",
    "url_bad": "网址要以 https:// 或 http:// 开头，且不能有空格。",
    "appid_bad": "请填写小程序的 AppID（以 wx 开头）。",
    "pagepath_missing": "请填写小程序的页面路径。",
}
# What WeChat's menu/create refusals mean (its own message follows in the page).
WECHAT_MENU_ZH: Mapping[int, str] = {
    -1: "暂时连不上微信",
    40016: "按钮数量不对",
    40017: "按钮类型不对",
    40018: "按钮名称太长",
    40019: "按钮 key 太长",
    40023: "子菜单数量不对",
    40027: "子菜单网址太长",
    40054: "网址的域名不合规",
    40055: "网址的域名不合规",
    48001: "公众号没有自定义菜单接口的权限",
    65401: "小程序无效或未关联公众号",
}
MENU_KEY_ZH: Mapping[str, str] = {
    "raise_request": "办理业务",
    "browse_services": "服务项目",
    "check_progress": "业务进度",
    "my_tasks": "我的任务（员工）",
    "pay_fee": "交费",
    "upload_invoice": "传发票",
    "contact_accountant": "我的会计",
    "help": "使用帮助",
    "complain": "投诉建议",
    "rate_accountant": "评价服务",
    "view_account": "我的账户",
    "greet": "打招呼",
    "claim_task": "抢单（员工）",
    "add_progress": "更新进度（员工）",
    "complete_task": "完成任务（员工）",
    "remind_fee": "催费（员工）",
    "my_stats": "我的统计（员工）",
}
TYPE_ZH: Mapping[str, str] = {
    "": "（有子菜单）",
    "click": "机器人功能",
    "view": "打开网页",
    "miniprogram": "打开小程序",
}
HOME_PROBLEM_ZH: Mapping[str, str] = {
    "too_many": "最多 {limit} 条。",
    "image_missing": "请填写图片地址或上传图片。",
    "image_bad": "图片地址要以 https:// 开头（或上传图片）。",
    "title_too_long": "标题最多 {limit} 个字。",
    "link_bad": "链接要以 https:// 、http:// 或 / 开头，且不能有空格。",
    "text_missing": "请填写公告内容。",
    "text_too_long": "公告最多 {limit} 个字。",
    "until_past": "截止日期已经过了。",
    "service_unknown": "没有这个服务项目。",
    "service_inactive": "这个服务项目已下架。",
    "service_twice": "这个服务项目已经推荐过了。",
    "order_bad": "排序号请填 0 到 {limit} 的整数。",
}
SECTION_ZH: Mapping[str, str] = {"slide": "轮播图", "announcement": "公告", "service": "推荐服务"}


def menu_place(p: MenuProblem) -> str:
    if not p.top:
        return "菜单"
    where = f"第 {p.top} 个主菜单"
    return where + (f"的第 {p.sub} 个子菜单" if p.sub else "")


def menu_problems_zh(found: Sequence[MenuProblem]) -> list[str]:
    return [
        f"{menu_place(p)}：{MENU_PROBLEM_ZH.get(p.code, p.code).format(**p.facts)}" for p in found
    ]


def home_problems_zh(found: Sequence[HomeProblem]) -> list[str]:
    out = []
    for p in found:
        where = SECTION_ZH.get(p.section, "首页") + (f"第 {p.row} 条" if p.row else "")
        out.append(f"{where}：{HOME_PROBLEM_ZH.get(p.code, p.code).format(**p.facts)}")
    return out


def wechat_refusal_zh(errcode: int, errmsg: str) -> str:
    reason = WECHAT_MENU_ZH.get(errcode, "微信拒绝了这个菜单")
    return f"发布失败：{reason}（错误码 {errcode}：{errmsg}）。线上菜单没有改变。"
