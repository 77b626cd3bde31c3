"""Logging in as a user does: through the login page.

``Client.login()`` calls ``authenticate()`` without a request, which django-axes refuses
(it needs the request to count failures), so tests log in with the form.
"""

from django.test import Client
from django.urls import reverse


def log_in(client: Client, username: str, password: str) -> bool:
    """Post the login form; True when it logged the user in."""
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302 and "_auth_user_id" in client.session
