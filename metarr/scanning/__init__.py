"""Scanning domain: walk a library, classify files, parse names, group files into items (pure
functions over paths and entries), and apply a scan to the database: file_rows, apply_unit and
apply_movies/apply_tv/apply_music, nfo_import, art_import, probing. `metarr.scanning.scanner.scan` drives it."""
