"""Everything that leaves the app: the outbox sender, the templates that word notices, and their wiring."""
