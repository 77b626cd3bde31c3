"""Tokens in the admin, for superusers only (a token is an account): created with a
scope and an access, the secret shown once on the page that follows; revoked with an
action, at once."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from api.models import ApiToken
from api.services import api_token_create, api_token_revoke
from campaign.access import manages_accounts
from campaign.models import District, Subdistrict


class ApiTokenCreateForm(forms.ModelForm):
    district = forms.ModelChoiceField(
        District.objects.all(),
        required=False,
        label=_("district"),
        help_text=_("A district token reads the whole district, as its leader does."),
    )
    subdistrict = forms.ModelChoiceField(
        Subdistrict.objects.select_related("district"),
        required=False,
        label=_("subdistrict"),
        help_text=_("A subdistrict token reads the subdistrict and may import its tallies."),
    )

    class Meta:
        model = ApiToken
        fields = ["name", "district", "subdistrict", "access", "expires_at"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("district")) == bool(data.get("subdistrict")):
            raise ValidationError(_("Choose either a district or a subdistrict."))
        if data.get("district") and data.get("access") == ApiToken.Access.READ_WRITE:
            raise ValidationError(
                _(
                    "A district token reads only, as a district leader does; tallies are "
                    "written with a subdistrict's token."
                )
            )
        return data


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "prefix",
        "scope",
        "access",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "created_at",
    ]
    list_filter = ["access", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = [
        "user__staff_scope__district",
        "user__staff_scope__subdistrict",
    ]
    search_fields = ["name", "prefix"]
    actions = ["revoke"]
    readonly_fields = [
        "name",
        "prefix",
        "scope",
        "access",
        "expires_at",
        "user",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
    ]

    @admin.display(description=_("scope"))
    def scope(self, token: ApiToken) -> str:
        scope = getattr(token.user, "staff_scope", None)
        return str(scope.area) if scope is not None and scope.area else "–"

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        if obj is None:
            kwargs["form"] = ApiTokenCreateForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["name", "district", "subdistrict", "access", "expires_at"]
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:
            return  # nothing of a token changes but its revocation (the action)
        token, key = api_token_create(
            name=form.cleaned_data["name"],
            access=form.cleaned_data["access"],
            district=form.cleaned_data.get("district"),
            subdistrict=form.cleaned_data.get("subdistrict"),
            expires_at=form.cleaned_data.get("expires_at"),
            created_by=request.user if isinstance(request.user, User) else None,
        )
        form.instance = token
        obj.pk = token.pk
        self._new_key = key

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return super().log_addition(request, ApiToken.objects.get(pk=obj.pk), message)

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None):
        """The secret, shown on this page once (not in a message, which would pass through
        the session or a cookie)."""
        token = ApiToken.objects.get(pk=obj.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "token": token,
            "key": self._new_key,
            "title": _("API token created"),
        }
        response = TemplateResponse(request, "api/token_created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    # A token is an account: superusers only, like accounts and scopes.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return manages_accounts(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return manages_accounts(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return manages_accounts(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return manages_accounts(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the audit trail keeps naming the token
