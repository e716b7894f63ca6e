"""Numbered schema migrations. Each `NNNN_name.py` defines `up(db)`; never edit a released one."""
