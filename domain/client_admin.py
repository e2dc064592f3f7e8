"""The panel's use cases for client companies: the list with its filters, one company's page,
and the firm's tags (define, put on, take off). Admins see and tag every company; an
accountant sees only the companies they are the dedicated accountant of, and tags nothing
(seed 002: a junior accountant does not change classifications)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from domain.actors import Actor
from domain.audit import entry
from domain.binding import create_invite
from domain.client_import import ImportRow, RowProblem, shape_problems
from domain.client_stages import (
    BOUNDS,
    RULE_NAMES,
    STAGE_RULES,
    StageRules,
    StageVerdict,
    rules_body,
    rules_from,
    stage_of,
)
from domain.client_tags import (
    MAX_FILTER_TAGS,
    MAX_SEARCH,
    MAX_TAG,
    ClientFilter,
    ClientPage,
    Tag,
    clean_tag_name,
)
from domain.clock import local
from domain.errors import Conflict, Forbidden, Invalid, NotFound
from domain.identity import ClientCompany, Contact, Invite, InviteKind, Staff
from domain.notices import AccountantChanged, Notice, NoticeKind
from domain.panel_ports import PanelUnitOfWork
from domain.requests import ServiceRequest, Status


@dataclass(frozen=True)
class ClientDetail:
    company: ClientCompany
    accountant: Staff | None
    contacts: Sequence[Contact]
    tags: Sequence[Tag]
    requests: Sequence[ServiceRequest]


def _staff(actor: Actor) -> int:
    if not actor.is_staff or actor.staff_id is None:
        raise Forbidden("staff_only")
    return actor.staff_id


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("admins_only_tags")


async def firm_tags(uow: PanelUnitOfWork, actor: Actor) -> Sequence[Tag]:
    _staff(actor)
    return await uow.tags.list(actor.firm_id)


async def find_clients(
    uow: PanelUnitOfWork, actor: Actor, wanted: ClientFilter, per_page: int
) -> ClientPage:
    """The companies the actor may see that match `wanted`; an accountant's own only."""
    me = _staff(actor)
    wanted = replace(
        wanted,
        tag_ids=tuple(dict.fromkeys(wanted.tag_ids))[:MAX_FILTER_TAGS],
        search=wanted.search.strip()[:MAX_SEARCH],
        accountant_id=wanted.accountant_id if actor.is_admin else me,
    )
    return await uow.panel_reads.clients(actor.firm_id, wanted, per_page)


async def _company(uow: PanelUnitOfWork, actor: Actor, company_id: int) -> ClientCompany:
    """The firm's company, if the actor may see it; otherwise NotFound, as if it did not
    exist (an accountant learns nothing of another's clients)."""
    me = _staff(actor)
    company = await uow.identities.get_company(company_id)
    if (
        company is None
        or company.firm_id != actor.firm_id
        or (not actor.is_admin and company.accountant_id != me)
    ):
        raise NotFound("client_not_found", id=company_id)
    return company


async def client_detail(uow: PanelUnitOfWork, actor: Actor, company_id: int) -> ClientDetail:
    company = await _company(uow, actor, company_id)
    accountant = (
        await uow.identities.get_staff(company.accountant_id) if company.accountant_id else None
    )
    requests = await uow.requests.list_for_company(company.id, frozenset(Status))
    return ClientDetail(
        company,
        accountant,
        await uow.identities.list_contacts(company.id),
        await uow.tags.of_company(company.id),
        sorted(requests, key=lambda r: r.created_at, reverse=True)[:50],
    )


async def define_tag(
    uow: PanelUnitOfWork, actor: Actor, name: str, group: str, now: datetime
) -> Tag:
    _admin(actor)
    name, group = clean_tag_name(name), clean_tag_name(group)
    if not name:
        raise Invalid("tag_name_missing")
    if len(name) > MAX_TAG or len(group) > MAX_TAG:
        raise Invalid("tag_name_too_long", limit=MAX_TAG)
    tag = await uow.tags.add(actor.firm_id, name, group)
    if tag is None:
        raise Conflict("tag_exists", name=name)
    await uow.audit.add(entry(actor, "tag_defined", name, now, after={"group": group}))
    return tag


async def _tag(uow: PanelUnitOfWork, actor: Actor, tag_id: int) -> Tag:
    tag = await uow.tags.get(tag_id)
    if tag is None or tag.firm_id != actor.firm_id:
        raise NotFound("tag_not_found", id=tag_id)
    return tag


async def tag_clients(
    uow: PanelUnitOfWork, actor: Actor, company_ids: Sequence[int], tag_id: int, now: datetime
) -> int:
    """Put a tag on several companies at once; every one must be the firm's (else nothing is
    tagged). How many were newly tagged."""
    _admin(actor)
    tag = await _tag(uow, actor, tag_id)
    ids = list(dict.fromkeys(company_ids))
    if not ids:
        raise Invalid("no_clients_chosen")
    names = [(await _company(uow, actor, cid)).name for cid in ids]
    added = await uow.tags.tag(ids, tag.id)
    await uow.audit.add(
        entry(actor, "client_tagged", tag.name, now, after={"clients": names, "added": added})
    )
    return added


async def untag_client(
    uow: PanelUnitOfWork, actor: Actor, company_id: int, tag_id: int, now: datetime
) -> None:
    _admin(actor)
    tag = await _tag(uow, actor, tag_id)
    company = await _company(uow, actor, company_id)
    if not await uow.tags.untag(company.id, tag.id):
        raise Conflict("tag_not_on_client", name=tag.name)
    await uow.audit.add(
        entry(actor, "client_untagged", company.name, now, before={"tag": tag.name})
    )


async def stage_rules(uow: PanelUnitOfWork, actor: Actor) -> StageRules:
    """The firm's lifecycle thresholds (the defaults until an admin saves some)."""
    _staff(actor)
    saved = await uow.documents.latest(actor.firm_id, STAGE_RULES)
    return rules_from(saved.body if saved else None)


async def client_stage(
    uow: PanelUnitOfWork, actor: Actor, company_id: int, now: datetime
) -> StageVerdict:
    """The client's lifecycle stage today, with its reasons (whoever may see the client)."""
    company = await _company(uow, actor, company_id)
    rules = await stage_rules(uow, actor)
    today = local(now).date()
    facts = await uow.panel_reads.client_facts(company.id, rules, now, today)
    return stage_of(facts, rules, today)


async def save_stage_rules(
    uow: PanelUnitOfWork, actor: Actor, values: Mapping[str, str], now: datetime
) -> StageRules:
    """An admin sets the thresholds: every one a whole number within its bounds, or
    nothing is saved."""
    _admin_settings(actor)
    chosen: dict[str, int] = {}
    for name in RULE_NAMES:
        raw = (values.get(name) or "").strip()
        low, high = BOUNDS[name]
        if not raw.isdecimal() or len(raw) > 6 or not low <= int(raw) <= high:
            raise Invalid("stage_rule_out_of_bounds", rule=name, low=low, high=high)
        chosen[name] = int(raw)
    before = await stage_rules(uow, actor)
    rules = StageRules(**chosen)
    if rules != before:
        await uow.documents.add(actor.firm_id, STAGE_RULES, rules_body(rules), actor.name, now)
        await uow.audit.add(
            entry(actor, "stage_rules_saved", STAGE_RULES, now,
                  before=rules_body(before), after=rules_body(rules))
        )  # fmt: skip
    return rules


def _admin_settings(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("admins_only_settings")


CLIENT_FILTERS = "client_filters"  # the panel document's kind
MAX_SAVED_FILTERS = 20
MAX_FILTER_NAME = 20


@dataclass(frozen=True)
class SavedFilter:
    """A filter of the client list the firm named ("小规模 + 电子专票"), one click away."""

    name: str
    tag_ids: tuple[int, ...]
    search: str = ""
    accountant_id: int | None = None

    def as_filter(self) -> ClientFilter:
        return ClientFilter(self.tag_ids, self.search, self.accountant_id)


def _filters_from(body: Mapping[str, Any] | None) -> list[SavedFilter]:
    found: list[SavedFilter] = []
    for item in (body or {}).get("filters", []):
        try:
            tags = tuple(int(t) for t in item.get("tags", ()))[:MAX_FILTER_TAGS]
            accountant = item.get("accountant")
            found.append(
                SavedFilter(
                    str(item["name"])[:MAX_FILTER_NAME],
                    tags,
                    str(item.get("search", ""))[:MAX_SEARCH],
                    int(accountant) if accountant is not None else None,
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            continue  # an entry of an older shape is skipped, never an error page
    return found


def _filters_body(filters: Sequence[SavedFilter]) -> dict[str, Any]:
    return {
        "filters": [
            {"name": f.name, "tags": list(f.tag_ids), "search": f.search,
             "accountant": f.accountant_id}
            for f in filters
        ]
    }  # fmt: skip


async def saved_filters(uow: PanelUnitOfWork, actor: Actor) -> Sequence[SavedFilter]:
    """The firm's named filters, for everyone on the client list (an accountant's own view
    still shows only their own clients: the list narrows by who is looking)."""
    _staff(actor)
    saved = await uow.documents.latest(actor.firm_id, CLIENT_FILTERS)
    return _filters_from(saved.body if saved else None)


async def save_filter(
    uow: PanelUnitOfWork, actor: Actor, name: str, wanted: ClientFilter, now: datetime
) -> SavedFilter:
    """An admin names the filter on screen; the same name again replaces it."""
    _admin_settings(actor)
    name = " ".join(name.split())
    if not name:
        raise Invalid("filter_name_missing")
    if len(name) > MAX_FILTER_NAME:
        raise Invalid("filter_name_too_long", limit=MAX_FILTER_NAME)
    if not (wanted.tag_ids or wanted.search or wanted.accountant_id):
        raise Invalid("filter_empty")
    for tag_id in wanted.tag_ids:
        await _tag(uow, actor, tag_id)
    if wanted.accountant_id is not None:
        staff = await uow.identities.get_staff(wanted.accountant_id)
        if staff is None or staff.firm_id != actor.firm_id:
            raise NotFound("staff_not_found", id=wanted.accountant_id)
    new = SavedFilter(name, wanted.tag_ids, wanted.search, wanted.accountant_id)
    before = list(await saved_filters(uow, actor))
    after = [f for f in before if f.name != name]
    if len(after) >= MAX_SAVED_FILTERS:
        raise Conflict("filter_limit", limit=MAX_SAVED_FILTERS)
    after.append(new)
    await uow.documents.add(actor.firm_id, CLIENT_FILTERS, _filters_body(after), actor.name, now)
    await uow.audit.add(
        entry(actor, "client_filter_saved", name, now, after=_filters_body([new])["filters"][0])
    )
    return new


async def delete_filter(uow: PanelUnitOfWork, actor: Actor, name: str, now: datetime) -> None:
    _admin_settings(actor)
    before = list(await saved_filters(uow, actor))
    gone = [f for f in before if f.name == name]
    if not gone:
        raise NotFound("filter_not_found")
    after = [f for f in before if f.name != name]
    await uow.documents.add(actor.firm_id, CLIENT_FILTERS, _filters_body(after), actor.name, now)
    await uow.audit.add(
        entry(actor, "client_filter_deleted", name, now, before=_filters_body(gone)["filters"][0])
    )


async def invite_contact(
    uow: PanelUnitOfWork, actor: Actor, company_id: int, contact_id: int, now: datetime
) -> Invite:
    """A fresh one-time binding code for one of the company's contacts (their older codes
    stop working); admins only. The audit log records that a code was issued, never the
    code."""
    _admin_settings(actor)
    company = await _company(uow, actor, company_id)
    contact = await uow.identities.get_contact(contact_id)
    if contact is None or contact.company_id != company.id:
        raise NotFound("contact_not_found")
    invite = await create_invite(uow, actor, InviteKind.CONTACT, contact.id, now)
    await uow.audit.add(
        entry(actor, "contact_invited", company.name, now,
              after={"contact": contact.name, "expires_at": invite.expires_at.isoformat()})
    )  # fmt: skip
    return invite


@dataclass(frozen=True)
class ImportCheck:
    """Every row with its problems (none: it would be imported as it stands)."""

    rows: Sequence[ImportRow]
    problems: Mapping[int, Sequence[RowProblem]]  # by the row's line

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not any(self.problems.values())


async def check_import(
    uow: PanelUnitOfWork, actor: Actor, rows: Sequence[ImportRow]
) -> ImportCheck:
    """Each row checked on its own and against the firm: a name already a client (or twice
    in the sheet), an accountant or a tag the firm does not have."""
    _admin_settings(actor)
    taken = {c.name for c in await uow.identities.list_companies(actor.firm_id)}
    tags = {t.name for t in await uow.tags.list(actor.firm_id)}
    staff: dict[str, Staff | None] = {}
    seen: dict[str, int] = {}
    problems: dict[int, list[RowProblem]] = {}
    for row in rows:
        found = shape_problems(row)
        if row.name in taken:
            found.append(RowProblem("client_exists", {"name": row.name}))
        elif row.name and row.name in seen:
            found.append(RowProblem("name_repeated", {"line": seen[row.name]}))
        seen.setdefault(row.name, row.line)
        if row.accountant:
            if row.accountant not in staff:
                staff[row.accountant] = await uow.identities.staff_by_name(
                    actor.firm_id, row.accountant
                )
            member = staff[row.accountant]
            if member is None or not member.active:
                found.append(RowProblem("accountant_unknown", {"name": row.accountant}))
        unknown = [t for t in row.tags if t not in tags]
        if unknown:
            found.append(RowProblem("tag_unknown", {"names": unknown}))
        # (a line number twice, as only a forged confirmation has it, keeps both lists)
        problems.setdefault(row.line, []).extend(found)
    return ImportCheck(rows, problems)


async def import_clients(
    uow: PanelUnitOfWork, actor: Actor, rows: Sequence[ImportRow], now: datetime
) -> int:
    """All the rows as clients (with their contact, accountant and tags), or none: any
    problem refuses the whole import. How many were added."""
    checked = await check_import(uow, actor, rows)
    if not checked.ok:
        bad = sum(1 for p in checked.problems.values() if p)
        raise Invalid("import_has_problems", rows=bad)
    tag_ids = {t.name: t.id for t in await uow.tags.list(actor.firm_id)}
    tagged: dict[int, list[int]] = {}
    for row in rows:
        accountant = (
            await uow.identities.staff_by_name(actor.firm_id, row.accountant)
            if row.accountant
            else None
        )
        company = await uow.identities.add_company(
            actor.firm_id, row.name, accountant.id if accountant else None
        )
        if row.contact:
            await uow.identities.add_contact(company.id, row.contact, row.phone)
        for name in row.tags:
            tagged.setdefault(tag_ids[name], []).append(company.id)
    for tag_id, company_ids in tagged.items():
        await uow.tags.tag(company_ids, tag_id)
    await uow.audit.add(
        entry(actor, "clients_imported", str(len(rows)), now,
              after={"clients": [r.name for r in rows][:50], "count": len(rows)})
    )  # fmt: skip
    return len(rows)


@dataclass(frozen=True)
class AccountantChange:
    """What `change_accountant` did: the company, who has it now, and who had it."""

    company: ClientCompany
    accountant: Staff
    former: Staff | None
    told: int  # how many of the company's contacts are told (those WeChat can reach)


async def accountant_choices(uow: PanelUnitOfWork, actor: Actor) -> Sequence[Staff]:
    """Whom an admin may make a company's dedicated accountant: the firm's active staff."""
    if not actor.is_admin:
        raise Forbidden("admins_only_accountant")
    return await uow.identities.list_staff(actor.firm_id, active_only=True)


async def change_accountant(
    uow: PanelUnitOfWork, actor: Actor, company_id: int, staff_id: int, now: datetime
) -> AccountantChange:
    """Make an active staff member the company's dedicated accountant (admins only). The
    company's reachable contacts and the new accountant hear of it through the outbox; the
    same accountant again changes nothing."""
    if not actor.is_admin:
        raise Forbidden("admins_only_accountant")
    company = await _company(uow, actor, company_id)
    staff = await uow.identities.get_staff(staff_id)
    if staff is None or staff.firm_id != actor.firm_id:
        raise NotFound("staff_not_found", id=staff_id)
    if not staff.active:
        raise Conflict("staff_inactive", name=staff.name)
    if company.accountant_id == staff.id:
        raise Conflict("accountant_unchanged", name=staff.name, company=company.name)
    former = (
        await uow.identities.get_staff(company.accountant_id) if company.accountant_id else None
    )
    await uow.identities.set_accountant(company.id, staff.id)
    facts = AccountantChanged(
        company.name, staff.name, staff.phone, former.name if former else "", actor.name
    )
    told = 0
    for contact in await uow.identities.list_contacts(company.id):
        if contact.reachable_by_wechat and contact.openid:
            await uow.outbox.add(Notice(contact.openid, NoticeKind.ACCOUNTANT_CHANGED, facts), now)
            told += 1
    if staff.openid:
        await uow.outbox.add(Notice(staff.openid, NoticeKind.CLIENT_HANDED_OVER, facts), now)
    await uow.audit.add(
        entry(
            actor,
            "accountant_changed",
            company.name,
            now,
            before={"accountant": former.name if former else None},
            after={"accountant": staff.name, "contacts_told": told},
        )
    )
    return AccountantChange(replace(company, accountant_id=staff.id), staff, former, told)
