"""`{% load vn_format %}`: `{{ price|vnd }}`, `{{ birth_date|ngay }}`, `{{ moment|ngay_gio }}`, `{{ user|ho_ten }}`."""

from __future__ import annotations

from django import template

from benhan.vn.formatting import full_name, vn_date, vn_datetime, vnd

register = template.Library()
register.filter("vnd", vnd)
register.filter("ho_ten", full_name)
register.filter("ngay", vn_date)
register.filter("ngay_gio", vn_datetime)
