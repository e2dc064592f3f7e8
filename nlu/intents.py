"""Intent and entity names: part of the product contract shared with handlers and Rasa data.

Changing a name here means changing `nlu/data/*.yml`, the held-out test file and the handlers.
"""

from __future__ import annotations

# Client intents
GREET = "greet"
HELP = "help"
RAISE_REQUEST = "raise_request"
CHECK_PROGRESS = "check_progress"
PAY_FEE = "pay_fee"
UPLOAD_INVOICE = "upload_invoice"
RATE_ACCOUNTANT = "rate_accountant"
COMPLAIN = "complain"
CONTACT_ACCOUNTANT = "contact_accountant"
BROWSE_SERVICES = "browse_services"
VIEW_ACCOUNT = "view_account"

# Conversation intents
CANCEL = "cancel"
AFFIRM = "affirm"
DENY = "deny"

# Staff intents
CLAIM_TASK = "claim_task"
MY_TASKS = "my_tasks"
ADD_PROGRESS = "add_progress"
COMPLETE_TASK = "complete_task"
REMIND_FEE = "remind_fee"
MY_STATS = "my_stats"

# Not for us / not understood
OUT_OF_SCOPE = "out_of_scope"
NLU_FALLBACK = "nlu_fallback"

CLIENT_INTENTS: tuple[str, ...] = (
    GREET,
    HELP,
    RAISE_REQUEST,
    CHECK_PROGRESS,
    PAY_FEE,
    UPLOAD_INVOICE,
    RATE_ACCOUNTANT,
    COMPLAIN,
    CONTACT_ACCOUNTANT,
    BROWSE_SERVICES,
    VIEW_ACCOUNT,
)
CONVERSATION_INTENTS: tuple[str, ...] = (CANCEL, AFFIRM, DENY)
STAFF_INTENTS: tuple[str, ...] = (
    CLAIM_TASK,
    MY_TASKS,
    ADD_PROGRESS,
    COMPLETE_TASK,
    REMIND_FEE,
    MY_STATS,
)
# Every intent a classifier may be trained on (nlu_fallback is produced, never trained).
ALL_INTENTS: tuple[str, ...] = (
    *CLIENT_INTENTS,
    *CONVERSATION_INTENTS,
    *STAFF_INTENTS,
    OUT_OF_SCOPE,
)

# Entity names
REQUEST_TYPE = "request_type"
URGENCY = "urgency"
RATING = "rating"
ASPECT = "aspect"
TASK_REF = "task_ref"
AMOUNT = "amount"
PERIOD = "period"
COMPANY = "company"
ALL_ENTITIES: tuple[str, ...] = (
    REQUEST_TYPE,
    URGENCY,
    RATING,
    ASPECT,
    TASK_REF,
    AMOUNT,
    PERIOD,
    COMPANY,
)

# `request_type` has no list here: its canonical values are the firm's catalogue's request
# types, handed to the parser at run time (`nlu.vocabulary`).

URGENT = "urgent"
NORMAL = "normal"
ASPECTS: tuple[str, ...] = ("态度", "速度", "专业")
