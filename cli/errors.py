"""User mistakes become one line on stderr and a non-zero exit; bugs still show their traceback."""

from __future__ import annotations

import click
from sqlalchemy.exc import OperationalError

from archive.db import ArchiveConfigError
from archive.locks import SiteLocked
from archive.queries import NotFoundError
from schedules.config import ScheduleConfigError, ScheduleServiceBusy


class UserError(click.ClickException):
    def format_message(self) -> str:
        return self.message


EXPECTED = (
    ArchiveConfigError,
    NotFoundError,
    SiteLocked,
    ScheduleConfigError,
    ScheduleServiceBusy,
    FileNotFoundError,
    PermissionError,
    ValueError,
)


class XxgkGroup(click.Group):
    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except EXPECTED as exc:
            raise UserError(str(exc)) from exc
        except OperationalError as exc:
            raise UserError(f"cannot use the database: {str(exc.orig).strip().splitlines()[0]}") from exc
