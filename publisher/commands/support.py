"""What every `bdp` command shares: settings from flags, and domain errors turned into one line and an
exit code (1: bad data or a failed build; 2: bad usage or a bad query or parameter)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn

import click

from publisher.config import Settings, load_settings
from publisher.errors import BdpError, QueryError, QueryRefused, SettingsError


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def handle_errors(func: Callable) -> Callable:
    """Turn domain errors into a message and an exit code, in one place."""
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from publisher.pipeline.build import BuildFailed

        try:
            return func(*args, **kwargs)
        except BuildFailed as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            fail(f"build failed: {exc}; the previous output is unchanged")
        except (QueryError, QueryRefused, SettingsError) as exc:
            fail(str(exc), 2)
        except BdpError as exc:
            fail(str(exc))
    return wrapper


def settings_from(**overrides: Any) -> Settings:
    return load_settings({k: v for k, v in overrides.items() if v is not None})
