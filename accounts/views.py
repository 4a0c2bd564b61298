"""Account pages: sign-up, the language switcher, the password change, signing out everywhere and
account deletion. Login/logout pages are Django's own views; a locked-out login gets
``accounts.security.lockout_response``. The forms that take a password (login, sign-up, password
change, deletion) are throttled by ``accounts.security.auth_throttled``."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from accounts import services
from accounts.forms import DeleteAccountForm, PasswordChangeForm, SignUpForm
from accounts.security import auth_throttled, lockout_response


@require_http_methods(["GET", "POST"])
@auth_throttled
def signup(request):
    """Django's ``UserCreationForm`` (see ``forms.SignUpForm``); signed in at once, then to the
    upload page (``SIGNUP_REDIRECT_URL``)."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_create(
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
            password2=form.cleaned_data["password2"],
        )
        login(request, user, backend="accounts.backends.ModelBackend")
        return redirect(settings.SIGNUP_REDIRECT_URL)
    return render(request, "registration/signup.html", {"form": form})


@require_POST
def language(request):
    """The language switcher: Django's ``set_language`` (cookie, redirect to ``next``), and for a
    signed-in user the choice is saved in their profile so it follows them to other devices."""
    response = set_language(request)
    code = request.POST.get("language", "")
    if request.user.is_authenticated and code in dict(settings.LANGUAGES):
        services.profile_update(user=request.user, language=code)
    return response


@login_required
@require_http_methods(["GET", "POST"])
@auth_throttled
def password_change(request):
    """Django's ``PasswordChangeForm``; the old password is checked through the login lockout. On
    success every other session and the API token end, this browser stays signed in."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_password_change(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
                new_password2=form.cleaned_data["new_password2"],
                request=request,
                keep_session_key=request.session.session_key,
            )
        except services.AccountLocked:
            return lockout_response(request)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                field = {"new_password": "new_password1"}.get(field, field)
                form.add_error(field if field in form.fields else None, errors)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password was changed. Every other session and your API token ended."))
            return redirect("preferences:settings")
    return render(request, "registration/password_change.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def logout_all(request):
    """Sign out everywhere: every session of the user (this one too) and their API token end."""
    services.user_logout_everywhere(user=request.user)
    logout(request)
    messages.success(request, _("You were signed out everywhere."))
    return redirect("accounts:login")


@login_required
@require_http_methods(["GET", "POST"])
@auth_throttled
def account_delete(request):
    """Confirm with the password, then delete the account, its closet and its files; log out."""
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_delete(user=request.user, password=form.cleaned_data["password"], request=request)
        except services.AccountLocked:
            return lockout_response(request)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            logout(request)
            messages.success(request, _("Your account, your closet and all your photos were deleted."))
            return redirect("accounts:login")
    return render(request, "registration/account_delete.html", {"form": form}, status=400 if form.errors else 200)
