"""The job ledger's domain: job specs and outcomes, retry decisions, and the DB operations."""
