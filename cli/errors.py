"""User mistakes become one line on stderr and a non-zero exit; bugs still show their traceback."""

from __future__ import annotations

import click


class UserError(click.ClickException):
    def format_message(self) -> str:
        return self.message


def _expected() -> tuple[type[BaseException], ...]:
    """The errors that are the user's to mend. Imported when one is raised, not at start-up: a crawl
    process needs neither the queries nor the scheduler's configuration (and its notifiers)."""
    from archive.db import ArchiveConfigError
    from archive.locks import SiteLocked
    from archive.queries import NotFoundError
    from schedules.config import ScheduleConfigError, ScheduleServiceBusy

    return (
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
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            from sqlalchemy.exc import OperationalError

            if isinstance(exc, _expected()):
                raise UserError(str(exc)) from exc
            if isinstance(exc, OperationalError):
                raise UserError(f"cannot use the database: {str(exc.orig).strip().splitlines()[0]}") from exc
            raise
