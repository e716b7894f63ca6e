"""The service's plumbing, no stage of the chain: settings and their help, sessions and login
throttling, events and the activity log, schedules, logging, the data-dir lock, and pure words
and values (times, sizes, JSON limits) that every layer shares.

May import: db.
"""
