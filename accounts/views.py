"""Account pages: sign-up, the language switcher and account deletion. Login/logout pages are
Django's own views; a locked-out login gets ``accounts.security.lockout_response``."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from accounts import services
from accounts.forms import DeleteAccountForm, SignUpForm
from accounts.security import lockout_response


@require_http_methods(["GET", "POST"])
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
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
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
