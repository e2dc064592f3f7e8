"""Every route of the panel and who may use it. Nothing is reachable that is not here
(`admin_web.routing`); `yunkuaiji admin routes` prints this table."""

from __future__ import annotations

from admin_web.routing import Access, Route
from admin_web.views import (
    access,
    bills,
    board,
    books,
    catalogue,
    checklists,
    clients,
    complaints,
    filing,
    home,
    invoices,
    menu,
    money,
    reports,
    staff,
    static,
    wording,
)

ID = "{id:[0-9]{1,9}}"
CASE = "{number:C[0-9]{1,9}}"
KIND = "{kind:[a-z_]{1,40}}"
BILL = "{number:B[0-9]{1,9}}"
FMT = "{fmt:csv|xlsx}"
INVOICE = "{invoice:[0-9]{1,9}}"
TAXKIND = "{taxkind:small|general}"

ROUTES: tuple[Route, ...] = (
    Route("GET", "/login", access.login_form, Access.PUBLIC, "login_form"),
    Route("POST", "/login", access.login, Access.PUBLIC, "login"),
    Route("POST", "/logout", access.logout, Access.STAFF, "logout"),
    Route("GET", "/password/{token}", access.password_form, Access.PUBLIC, "password_form"),
    Route("POST", "/password/{token}", access.set_password, Access.PUBLIC, "set_password"),
    Route("GET", "/static/{name:.+}", static.static_file, Access.PUBLIC, "static"),
    Route("GET", "/", board.board, Access.STAFF, "board"),
    Route("GET", "/requests/{number:R[0-9]{1,9}}", board.request_page, Access.STAFF, "request"),
    Route("POST", "/requests/{number:R[0-9]{1,9}}/assign", board.assign, Access.ADMIN, "assign"),
    # Clients: an accountant sees their own; tags are the admins'.
    Route("GET", "/clients", clients.client_list, Access.STAFF, "clients"),
    Route("GET", f"/clients/export.{FMT}", clients.export_clients, Access.STAFF, "export_clients"),
    Route("GET", f"/clients/{ID}", clients.client_page, Access.STAFF, "client"),
    Route("POST", "/clients/tag", clients.tag_clients, Access.ADMIN, "tag_clients"),
    Route("POST", f"/clients/{ID}/tag", clients.tag_one_client, Access.ADMIN, "tag_client"),
    Route("POST", f"/clients/{ID}/untag", clients.untag_client, Access.ADMIN, "untag_client"),
    Route(
        "POST",
        f"/clients/{ID}/accountant",
        clients.change_accountant,
        Access.ADMIN,
        "change_accountant",
    ),
    Route(
        "POST",
        f"/clients/{ID}/contacts/{{contact:[0-9]{{1,9}}}}/invite",
        clients.invite_contact,
        Access.ADMIN,
        "invite_contact",
    ),
    Route("POST", "/tags", clients.define_tag, Access.ADMIN, "define_tag"),
    Route("POST", "/clients/filters", clients.save_filter, Access.ADMIN, "save_client_filter"),
    Route(
        "POST",
        "/clients/filters/delete",
        clients.delete_filter,
        Access.ADMIN,
        "delete_client_filter",
    ),
    Route("GET", "/clients/import", clients.import_page, Access.ADMIN, "import_clients_page"),
    Route(
        "POST",
        "/clients/import/preview",
        clients.preview_import,
        Access.ADMIN,
        "preview_client_import",
        max_body=clients.MAX_IMPORT_BODY,
    ),
    Route(
        "POST",
        "/clients/import",
        clients.commit_import,
        Access.ADMIN,
        "import_clients",
        max_body=clients.MAX_IMPORT_BODY,
    ),
    Route("GET", "/clients/stages", clients.stage_rules_page, Access.ADMIN, "stage_rules"),
    Route("POST", "/clients/stages", clients.save_stage_rules, Access.ADMIN, "save_stage_rules"),
    # A client's invoices and books: an accountant their own clients', an admin any.
    Route("GET", f"/clients/{ID}/invoices", invoices.invoice_list, Access.STAFF, "invoices"),
    Route(
        "GET",
        f"/clients/{ID}/invoices/{INVOICE}/image",
        invoices.invoice_image,
        Access.STAFF,
        "invoice_image",
    ),
    Route(
        "POST",
        f"/clients/{ID}/invoices/{INVOICE}/correct",
        invoices.correct,
        Access.STAFF,
        "correct_invoice",
    ),
    Route("GET", f"/clients/{ID}/books", books.books_page, Access.STAFF, "books"),
    Route(
        "POST",
        f"/clients/{ID}/books",
        books.upload,
        Access.STAFF,
        "upload_books",
        max_body=books.MAX_BODY,
    ),
    # Staff.
    Route("GET", "/staff", staff.staff_page, Access.ADMIN, "staff"),
    Route("POST", "/staff", staff.add_staff, Access.ADMIN, "add_staff"),
    Route("POST", f"/staff/{ID}/invite", staff.invite, Access.ADMIN, "invite_staff"),
    Route("POST", f"/staff/{ID}/role", staff.set_role, Access.ADMIN, "staff_role"),
    Route("POST", f"/staff/{ID}/deactivate", staff.deactivate, Access.ADMIN, "deactivate_staff"),
    Route("POST", f"/staff/{ID}/hours", staff.set_hours, Access.ADMIN, "staff_hours"),
    Route("POST", f"/staff/{ID}/reassign", staff.reassign, Access.ADMIN, "reassign_staff_work"),
    # Complaints.
    Route("GET", "/complaints", complaints.complaint_list, Access.ADMIN, "complaints"),
    Route("GET", f"/complaints/{CASE}", complaints.complaint_page, Access.ADMIN, "complaint"),
    Route("POST", f"/complaints/{CASE}/resolve", complaints.resolve, Access.ADMIN, "resolve"),
    Route("POST", f"/complaints/{CASE}/reopen", complaints.reopen, Access.ADMIN, "reopen"),
    # The Official Account menu and the client home page at /m/.
    Route("GET", "/menu", menu.menu_page, Access.ADMIN, "menu"),
    Route("POST", "/menu", menu.submit, Access.ADMIN, "publish_menu"),
    Route("GET", "/home", home.home_editor, Access.ADMIN, "home"),
    Route("POST", "/home", home.submit, Access.ADMIN, "save_home", max_body=home.MAX_BODY),
    # The firm's filing checklist templates (per taxpayer kind).
    Route("GET", "/checklists", checklists.checklist_template, Access.ADMIN, "checklists"),
    Route(
        "GET", f"/checklists/{TAXKIND}", checklists.checklist_template, Access.ADMIN, "checklist"
    ),
    Route("POST", f"/checklists/{TAXKIND}", checklists.save, Access.ADMIN, "save_checklist"),
    # Message templates.
    Route("GET", "/templates", wording.template_list, Access.ADMIN, "templates"),
    Route("GET", f"/templates/{KIND}", wording.template_page, Access.ADMIN, "template"),
    Route("POST", f"/templates/{KIND}", wording.save, Access.ADMIN, "save_template"),
    Route("POST", f"/templates/{KIND}/preview", wording.preview, Access.ADMIN, "preview"),
    # Reports.
    # 绩效: an accountant sees their own figures only (`domain.performance`).
    Route("GET", "/performance", reports.performance_page, Access.STAFF, "performance"),
    Route("GET", "/performance.csv", reports.performance_csv, Access.STAFF, "performance_csv"),
    Route("GET", "/performance.xlsx", reports.performance_xlsx, Access.STAFF, "performance_xlsx"),
    Route("GET", "/money", reports.money, Access.ADMIN, "money"),
    Route("GET", "/audit", reports.audit_log, Access.ADMIN, "audit"),
    # Money actions: bills, 线下收款, 催费 now, arrears by client, exports.
    Route("GET", "/money/bills", money.bill_list, Access.ADMIN, "bills"),
    Route("GET", f"/money/bills/export.{FMT}", money.export_bills, Access.ADMIN, "export_bills"),
    Route("GET", "/money/bills/find", bills.bill_lookup, Access.ADMIN, "bill_lookup"),
    Route("GET", f"/money/bills/{BILL}", money.bill_page, Access.ADMIN, "bill"),
    Route(
        "POST",
        f"/money/bills/{BILL}/offline",
        money.mark_paid_offline,
        Access.ADMIN,
        "paid_offline",
    ),
    Route("POST", f"/money/bills/{BILL}/remind", money.remind_bill, Access.ADMIN, "remind_bill"),
    # Refunds of a bill paid through WeChat Pay: a confirmation first.
    Route("POST", f"/money/bills/{BILL}/refund", bills.refund, Access.ADMIN, "refund"),
    Route("GET", "/money/arrears", money.arrears, Access.ADMIN, "arrears"),
    Route(
        "GET", f"/money/arrears/export.{FMT}", money.export_arrears, Access.ADMIN, "export_arrears"
    ),
    Route(
        "POST", f"/money/clients/{ID}/remind", money.remind_company, Access.ADMIN, "remind_company"
    ),
    # The filing checklist across clients: an accountant's own, an admin's all.
    Route("GET", "/filing", filing.filing_page, Access.STAFF, "filing"),
    Route("GET", "/catalogue", catalogue.catalogue, Access.ADMIN, "catalogue"),
    Route("POST", "/catalogue/new", catalogue.add_item, Access.ADMIN, "catalogue_new"),
    Route(
        "POST",
        "/catalogue/{item_id:[0-9]{1,9}}",
        catalogue.save_item,
        Access.ADMIN,
        "catalogue_item",
    ),
)
