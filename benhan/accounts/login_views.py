"""Login, second factor (verify or enrol) and logout pages. Thin: the rules live in login_flow."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from . import login_flow, two_factor
from .forms import LoginForm, TokenForm
from .lockout import lockout_message


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(login_flow.safe_next(request))
    form = LoginForm(request.POST or None)
    next_url = login_flow.safe_next(request, "")
    context = {"form": form, "next": next_url}
    if request.method == "POST" and form.is_valid():
        user = login_flow.check_password(request, form.cleaned_data["username"], form.cleaned_data["password"])
        if login_flow.is_locked_out(request):
            # The axes middleware turns this request into the lockout page.
            return render(request, "accounts/login.html", {**context, "locked_message": lockout_message()}, status=429)
        if user is None:
            form.add_error(None, _("Tên đăng nhập hoặc mật khẩu không đúng."))
        elif login_flow.needs_second_step(user):
            login_flow.start_second_step(request, user)
            return redirect(_with_next("accounts:login-otp", next_url))
        else:
            login_flow.complete(request, user)
            return redirect(login_flow.safe_next(request))
    return render(request, "accounts/login.html", context, status=400 if form.errors else 200)


@sensitive_post_parameters("token")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def otp_view(request: HttpRequest) -> HttpResponse:
    user = login_flow.pending_user(request)
    if user is None:
        messages.warning(request, _("Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại."))
        return redirect("accounts:login")
    device = two_factor.confirmed_device(user)
    enrolling = device is None
    if enrolling:
        device = two_factor.enrolment_device(user)
    assert device is not None
    form = TokenForm(request.POST or None)
    context = {"form": form, "enrolling": enrolling, "next": login_flow.safe_next(request, ""), "staff": user}
    if enrolling:
        context.update(qr=two_factor.qr_data_uri(device), secret=two_factor.secret_text(device))
    if request.method == "POST" and form.is_valid():
        if login_flow.code_locked_out(request, user):
            return render(request, "accounts/login.html",
                          {"form": LoginForm(), "locked_message": lockout_message()}, status=429)
        if two_factor.throttled(device):
            form.add_error("token", _("Bạn vừa nhập sai, vui lòng đợi vài giây rồi thử lại."))
            return render(request, "accounts/otp.html", context, status=400)
        token = form.cleaned_data["token"]
        ok = two_factor.confirm(device, token) if enrolling else two_factor.verify(device, token)
        if ok:
            login_flow.complete(request, user, device)
            if enrolling:
                messages.success(request, _("Đã kích hoạt xác thực hai lớp."))
            return redirect(login_flow.safe_next(request))
        login_flow.record_failed_code(request, user)
        form.add_error("token", _("Mã xác thực không đúng hoặc đã hết hạn."))
    return render(request, "accounts/otp.html", context, status=400 if form.errors else 200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("Bạn đã đăng xuất."))
    return redirect("accounts:login")


def _with_next(name: str, next_url: str) -> str:
    from django.urls import reverse
    from django.utils.http import urlencode

    url = reverse(name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url
