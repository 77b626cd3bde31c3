"""How a page shows a refusal: every service refuses with Django's ``ValidationError``
(its messages already in the user's language), and nothing was saved."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


def show_refusal(
    request: HttpRequest, refusal: ValidationError, form: forms.Form | None = None
) -> None:
    """Each message on top of ``form`` when the page shows one again, else as a flash
    message for the page the user is sent back to."""
    if form is not None:
        form.add_error(None, ValidationError(refusal.messages))
        return
    for message in refusal.messages:
        messages.error(request, message)
