"""Forms for login, two-factor codes and staff accounts; every message in Vietnamese via gettext."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from .models import Facility, User


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Tên đăng nhập"), max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label=_("Mật khẩu"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Mã xác thực 6 số"), max_length=12,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric",
                                      "pattern": "[0-9 ]*"}),
    )


class StaffForm(forms.ModelForm):
    """Create or edit a staff account; a facility admin may only place staff in facilities they manage."""

    password1 = forms.CharField(label=_("Mật khẩu"), strip=False, required=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Nhập lại mật khẩu"), strip=False, required=False, widget=forms.PasswordInput)

    class Meta:
        model = User
        fields = ["username", "last_name", "first_name", "role", "licence_number", "facility", "extra_facilities",
                  "email", "is_active"]
        labels = {
            "username": _("Tên đăng nhập"),
            "last_name": _("Họ và tên đệm"),
            "first_name": _("Tên"),
            "facility": _("Cơ sở công tác"),
            "extra_facilities": _("Cơ sở được cấp thêm quyền"),
            "email": _("Thư điện tử"),
            "is_active": _("Đang hoạt động"),
        }
        widgets = {"extra_facilities": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, facilities: Any = None, creating: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.creating = creating
        allowed = facilities if facilities is not None else Facility.objects.all()
        cast(forms.ModelChoiceField, self.fields["facility"]).queryset = allowed
        self.fields["facility"].required = True
        cast(forms.ModelMultipleChoiceField, self.fields["extra_facilities"]).queryset = \
            Facility.objects.filter(active=True)
        self.fields["extra_facilities"].required = False
        self.fields["password1"].required = creating
        self.fields["password2"].required = creating
        # A facility admin cannot create provincial accounts that see every facility.
        cast(forms.ChoiceField, self.fields["role"]).choices = [c for c in User.Role.choices if c[0] != User.Role.PROVINCE]
        self.fields["username"].help_text = _("Chữ, số và các ký tự @ . + - _")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 or p2:
            if p1 != p2:
                self.add_error("password2", _("Hai mật khẩu không khớp."))
            else:
                candidate = self.instance if self.instance.pk else User(username=data.get("username", ""))
                try:
                    password_validation.validate_password(str(p1), candidate)
                except forms.ValidationError as exc:
                    self.add_error("password1", exc)
        return data

    def save(self, commit: bool = True) -> User:
        user: User = super().save(commit=False)
        if self.cleaned_data.get("password1"):
            user.set_password(self.cleaned_data["password1"])
        if commit:
            user.save()
            self.save_m2m()
        return user
