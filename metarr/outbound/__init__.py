"""Requests to addresses the user configured (players, notification webhooks) through the
same address guard as downloads; notification channels and sending.

May import: db, service, assets.
"""
