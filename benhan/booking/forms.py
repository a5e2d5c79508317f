"""Staff forms: schedule templates and closed days, limited to the facility the staff member works for."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from benhan.accounts.models import Facility, User
from benhan.facilities.models import Department, Room

from .models import Holiday, ScheduleTemplate


class TemplateForm(forms.ModelForm):
    start = forms.TimeField(label=_("Giờ bắt đầu"), input_formats=["%H:%M"], widget=forms.TimeInput(format="%H:%M"))
    end = forms.TimeField(label=_("Giờ kết thúc"), input_formats=["%H:%M"], widget=forms.TimeInput(format="%H:%M"))

    class Meta:
        model = ScheduleTemplate
        fields = ["department", "room", "doctor", "weekday", "start", "end", "slot_minutes", "capacity"]

    def __init__(self, *args: Any, facility: Facility, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.facility = facility
        self.fields["department"].queryset = Department.objects.filter(facility=facility, active=True)  # type: ignore[attr-defined]
        self.fields["room"].queryset = Room.objects.filter(department__facility=facility, active=True)  # type: ignore[attr-defined]
        self.fields["doctor"].queryset = User.objects.filter(facility=facility, role=User.Role.DOCTOR,  # type: ignore[attr-defined]
                                                             is_active=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        room, department = data.get("room"), data.get("department")
        if room is not None and department is not None and room.department_id != department.pk:
            self.add_error("room", _("Phòng không thuộc khoa đã chọn."))
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None and end <= start:
            self.add_error("end", _("Giờ kết thúc phải sau giờ bắt đầu."))
        for name in ("slot_minutes", "capacity"):
            if data.get(name) is not None and data[name] < 1:
                self.add_error(name, _("Phải lớn hơn 0."))
        return data

    def save(self, commit: bool = True) -> ScheduleTemplate:
        self.instance.facility = self.facility
        return super().save(commit)


class HolidayForm(forms.ModelForm):
    day = forms.DateField(label=_("Ngày nghỉ (dd/mm/yyyy)"), input_formats=["%d/%m/%Y"])

    class Meta:
        model = Holiday
        fields = ["day", "name"]

    def __init__(self, *args: Any, facility: Facility, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.facility = facility

    def clean_day(self) -> Any:
        day = self.cleaned_data["day"]
        if Holiday.objects.filter(facility=self.facility, day=day).exists():
            raise forms.ValidationError(_("Ngày này đã là ngày nghỉ."))
        return day

    def save(self, commit: bool = True) -> Holiday:
        self.instance.facility = self.facility
        return super().save(commit)
