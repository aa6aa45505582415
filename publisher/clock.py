"""The build's clock: the one time stamp a build writes (build.json's `built`, the catalogue's
`dct:modified` and file stamps). An input of the build, not read from the wall clock where it is used, so
that tests can fix it and reproducible builds can set it: `SOURCE_DATE_EPOCH` (reproducible-builds.org)
is honoured when set."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

from publisher.errors import SettingsError

STAMP = "%Y-%m-%dT%H:%M:%SZ"


def stamp(seconds: float) -> str:
    """Seconds since the epoch as the UTC stamp the outputs write (xsd:dateTime, whole seconds, Z)."""
    return time.strftime(STAMP, time.gmtime(seconds))


def build_time(environ: Mapping[str, str] | None = None) -> str:
    """The stamp of a build starting now: SOURCE_DATE_EPOCH (whole seconds) when set, else the wall clock."""
    environ = os.environ if environ is None else environ
    fixed = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if fixed:
        if not fixed.isdigit():
            raise SettingsError(f"SOURCE_DATE_EPOCH: {fixed[:40]!r} is not a whole number of seconds")
        return stamp(int(fixed))
    return stamp(time.time())
