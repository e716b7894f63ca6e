"""Scanning domain: walk a library, classify files, parse names, group files into items, probe
streams. Pure functions over paths and entries; `metarr.scanner` applies the result to the DB."""
