"""The job ledger's domain: the chain of job types, specs and outcomes, retry decisions, the
ledger's storage and the read models of jobs (trees, the Jobs page).

May import: db, service.
"""
