"""What every `metarr … --help` says besides its options: the environment variables the command
reads (one table, so a new variable is added in one place)."""
from __future__ import annotations

import argparse
import textwrap

DATA = ("  METARR_DATA_DIR        data directory: database, cache, recycle bin, logs, API key (default ./data)\n"
        "  METARR_DATABASE_URL    sqlite:///… (default: metarr.sqlite in the data dir) or postgresql://…\n"
        "  METARR_LOG_LEVEL       DEBUG, INFO (default), WARNING or ERROR\n")
PROVIDERS = ("  METARR_TMDB_API_KEY, METARR_TVDB_API_KEY, METARR_FANART_API_KEY, METARR_OMDB_API_KEY\n"
             "                         provider keys (a provider without one is skipped)\n"
             "  METARR_<PROVIDER>_URL  base-URL overrides (METARR_TMDB_URL, METARR_TVDB_URL, …)\n"
             "  METARR_PROVIDER_LIMITS per-provider rate limits, e.g. tmdb=38/1/8 (requests/s / burst / at once)\n"
             "  METARR_ALLOW_HOSTS     private hosts or CIDRs Metarr may contact (downloads, players)\n")
WORKERS = ("  METARR_LEASE_SECONDS   job lease length in seconds (default 30)\n"
           "  METARR_JOB_MODULES     extra job-type modules to load\n")
WEB = ("  METARR_HOST            address to listen on (default 127.0.0.1)\n"
       "  METARR_PORT            port to listen on (default 3000)\n"
       "  METARR_API_KEY         the API key (default: generated, kept in <data dir>/api_key)\n"
       "  METARR_TRUSTED_PROXIES proxies whose X-Forwarded-For is believed\n")

ENV = {"data": DATA, "run": DATA + PROVIDERS + WORKERS, "serve": DATA + WEB + PROVIDERS + WORKERS}


def wrap(text: str, width: int = 88) -> str:
    """Prose wrapped to the terminal; lines that start with spaces (examples, tables) kept as they are."""
    return "\n".join(line if line.startswith(" ") or not line else textwrap.fill(line, width)
                     for line in text.split("\n"))


def epilog(which: str = "data", extra: str = "") -> str:
    return (wrap(extra) + "\n\n" if extra else "") + "environment:\n" + ENV[which]


def command(sub, name: str, summary: str, description: str, env: str = "data", extra: str = ""):
    """A subcommand whose --help says what it does, its options and the environment it reads."""
    return sub.add_parser(name, help=summary, description=wrap(description), epilog=epilog(env, extra),
                          formatter_class=argparse.RawDescriptionHelpFormatter)
