"""How a user is named on the pages, in the files and in the audit trail."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser


def name_from(username: str | None, first_name: str | None, last_name: str | None) -> str:
    """The full name, else the username; empty without a user (an import made without
    one). For rows read as values, without loading the user."""
    return f"{first_name or ''} {last_name or ''}".strip() or username or ""


def display_name(user: AbstractBaseUser | None) -> str:
    """``name_from`` for a user object."""
    if user is None:
        return ""
    return name_from(
        user.get_username(), getattr(user, "first_name", ""), getattr(user, "last_name", "")
    )
