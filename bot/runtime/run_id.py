"""This process's run id: random per process start, logged when `yunkuaiji serve` starts.

Lease tokens of the outbox and the invoice queue begin with it (see storage.leases), so a row
held by a process tells which run holds it. A restarted process gets a new run id: it cannot
recognise its predecessor's leases, which is why leases are short and renewed by a heartbeat
instead. (Not a name for the instance: that one, where configured, stays across restarts.)"""

from __future__ import annotations

import secrets

RUN_ID = secrets.token_hex(4)
