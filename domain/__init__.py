"""The business, in the standard library only, in three layers (a test keeps them acyclic):

- models (dataclasses, enums, rules; they import only other models): `identity`, `actors`,
  `requests`, `dispatch_policy`, `complaints`, `ratings`, `invoices`, `invoice_checks`,
  `invoice_uploads`, `invite_codes`, `binding_policy`, `notices`, `message_templates`,
  `conversation`, `catalogue`, `clock`, `errors`, `staff_access`, `board`, `billing`;
- `ports`: the Protocols the domain needs from the outside (storage implements them);
- services, one function per use case taking a unit of work and an `Actor`: `people`,
  `binding`, `lifecycle`, `dispatch`, `dispatch_timers`, `feedback`, `handover`, `stats`,
  `invoice_records`, `invoice_settlement`, `notice_wording`, `staff_logins`, `payments` (with
  `moves`, `request_notices` and `payment_notices`, which they share).

The domain words nothing: notices are kinds with facts, errors are codes with facts, and each
edge (the chat, the outbox's renderers, the command line, an admin panel) says them its way.
"""
