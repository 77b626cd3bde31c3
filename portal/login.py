"""Logins with a username no account can have (issue 17): refused like a wrong password,
recorded (django-axes and the audit trail) under the username cut to its column's length.

Django's AuthenticationForm shows a ``maxlength`` but does not check it, so a
10,000-character username reached django-axes, whose username column holds 255.
"""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed

# The longest username an account can have (Django's User.username).
USERNAME_MAX_LENGTH = 150


def bounded_username(username: object) -> str:
    return str(username or "")[:USERNAME_MAX_LENGTH]


class _BoundedUsername:
    def clean(self):
        username = self.cleaned_data.get("username")
        if username is not None and len(username) > USERNAME_MAX_LENGTH:
            # What authenticate() would signal for a wrong password, with a bounded name.
            user_login_failed.send(
                sender=__name__,
                credentials={"username": bounded_username(username)},
                request=self.request,
            )
            raise self.get_invalid_login_error()
        return super().clean()


class LoginForm(_BoundedUsername, AuthenticationForm):
    pass


class AdminLoginForm(_BoundedUsername, AdminAuthenticationForm):
    pass


def axes_username(request, credentials: dict | None) -> str:
    """django-axes' AXES_USERNAME_CALLABLE: its own lookup, bounded (any login path)."""
    if credentials:
        return bounded_username(credentials.get("username"))
    data = getattr(request, "data", None) or getattr(request, "POST", {})
    return bounded_username(data.get("username"))
