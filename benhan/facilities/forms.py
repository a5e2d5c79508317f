"""Forms for a facility and its departments, rooms and beds; messages in Vietnamese."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from benhan.accounts.models import Facility
from benhan.vn import admin_units
from benhan.vn.codes import BHYT_PROVINCES
from benhan.vn.identifiers import normalize_phone

from .models import Department, Room


def validate_facility_code(code: str) -> None:
    if not re.fullmatch(r"\d{5}", code) or code[:2] not in BHYT_PROVINCES:
        raise forms.ValidationError(_("Mã cơ sở KCB gồm 5 chữ số, 2 số đầu là mã tỉnh (ví dụ 25001)."))


class FacilityForm(forms.ModelForm):
    province_code = forms.ChoiceField(label=_("Tỉnh, thành phố"), required=True)
    # A free value rendered as a select: the province check below gives a clearer message than "invalid choice".
    commune_code = forms.CharField(label=_("Xã, phường, đặc khu"), required=False, widget=forms.Select)

    class Meta:
        model = Facility
        fields = ["code", "name", "kind", "level", "province_code", "commune_code", "address", "phone", "active"]
        labels = {"active": _("Đang hoạt động")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["province_code"]).choices = [("", "—")] + [(p.code, p.name) for p in admin_units.provinces()]
        province = self.data.get("province_code") or self.initial.get("province_code") or self.instance.province_code
        self.fields["commune_code"].widget.choices = [("", "—")] + [(u.code, u.name) for u in admin_units.communes(province)] \
            if province else [("", "—")]
        from django.urls import reverse

        # Choosing a province reloads the commune list (htmx); without JS the form re-renders on save.
        self.fields["province_code"].widget.attrs.update({
            "hx-get": reverse("facilities:communes"), "hx-trigger": "change",
            "hx-target": "next select", "hx-swap": "innerHTML",
        })
        if self.instance.pk:
            self.fields["code"].disabled = True  # the tenant key of every record: never renamed in place

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"]).strip()
        validate_facility_code(code)
        return code

    def clean_phone(self) -> str:
        phone = self.cleaned_data.get("phone", "")
        return normalize_phone(phone) if phone else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        commune = data.get("commune_code")
        if commune:
            unit = admin_units.commune(commune)
            if unit is None or unit.province_code != data.get("province_code"):
                self.add_error("commune_code", _("Xã, phường không thuộc tỉnh đã chọn."))
        return data


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["code", "name", "kind", "bhyt_code", "inpatient", "active"]

    def __init__(self, *args: Any, facility: Facility, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.facility = facility
        if self.instance.pk is None:
            del self.fields["active"]  # a new department is open; closing one is an edit

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        clash = Department.objects.filter(facility=self.facility, code=code).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Mã khoa %(code)s đã có ở cơ sở này.") % {"code": code})
        return str(code)


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["code", "name", "kind"]

    def __init__(self, *args: Any, department: Department, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.department = department

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if Room.objects.filter(department=self.department, code=code).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Mã phòng %(code)s đã có trong khoa.") % {"code": code})
        return str(code)


class BedsForm(forms.Form):
    room = forms.ModelChoiceField(queryset=Room.objects.none(), label=_("Phòng"))
    count = forms.IntegerField(label=_("Số giường"), min_value=1, max_value=200)
    kind = forms.ChoiceField(label=_("Loại giường"), choices=[
        ("H", _("H – giường kế hoạch")), ("T", _("T – giường kê thêm")),
        ("C", _("C – giường cấp cứu")), ("K", _("K – khác")),
    ])

    def __init__(self, *args: Any, department: Department, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["room"]).queryset = department.rooms.all()
