"""Storage: the peewee models (media, integrations, jobs, feeds), the connection and its pool,
prebuilt statements and the migrations. The bottom layer.

May import: nothing of metarr.
"""
