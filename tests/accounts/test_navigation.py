from __future__ import annotations

import re

import pytest
from django.test import Client

from benhan.accounts.models import Facility, User


@pytest.mark.django_db
def test_only_the_page_being_shown_is_marked_current_in_the_menu() -> None:
    facility = Facility.objects.create(code="79001", name="TTYT khu vực")
    user = User.objects.create(username="ktv.an", facility=facility, role=User.Role.TECHNICIAN)
    client = Client()
    client.force_login(user)
    page = client.get("/ui/can-lam-sang/").content.decode()
    current = re.findall(r'<a href="([^"]+)"[^>]*aria-current="page"', page)
    assert "/ui/can-lam-sang/" in current and "/ui/" not in current  # the home link is not marked too
