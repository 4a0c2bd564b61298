"""Account forms: sign-up (Django's ``UserCreationForm``), the password change (Django's
``PasswordChangeForm``), account deletion, and the account's own preferences (language, review
threshold, currency)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from wardrobe.core.choices import currency_choices


class SignUpForm(UserCreationForm):
    """Username, password, password confirmation. Django's ``UserCreationForm`` checks the username
    (its validator, and that no user has it, case-insensitively), that both passwords match, and
    ``AUTH_PASSWORD_VALIDATORS``; the validators' messages are put on ``password1``, the mismatch on
    ``password2``."""

    class Meta(UserCreationForm.Meta):
        fields = ("username",)

    def validate_password_for_user(self, user, password_field_name="password1"):
        return super().validate_password_for_user(user, password_field_name=password_field_name)


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's ``PasswordChangeForm`` (old password, new password twice, ``AUTH_PASSWORD_VALIDATORS``),
    except that the old password is not checked here: ``services.user_password_change`` checks it
    through the login lockout, so wrong guesses count there."""

    def clean_old_password(self):
        return self.cleaned_data["old_password"]


class DeleteAccountForm(forms.Form):
    """The password that confirms deleting the account (checked by ``services.user_delete``)."""

    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class ProfileForm(forms.Form):
    """The account's preferences on the settings page."""

    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=lambda: [("", _("Browser's language"))] + list(settings.LANGUAGES)
    )
    review_threshold = forms.IntegerField(
        label=_("Review threshold (%)"),
        min_value=0,
        max_value=100,
        help_text=_(
            "New garments the model is less sure of than this wait in the review queue. "
            "0 files everything directly; 100 asks you about everything."
        ),
    )
    currency = forms.ChoiceField(label=_("Default currency"), choices=currency_choices)
    mix_patterns = forms.BooleanField(
        label=_("Mix patterns in suggested outfits"),
        required=False,
        help_text=_("Off: at most one patterned piece (striped, checked, floral, ...) per suggested outfit."),
    )

    @classmethod
    def initial_for(cls, profile) -> dict:
        """Initial values from a ``Profile`` (the threshold as a whole percentage)."""
        return {
            "language": profile.language,
            "review_threshold": round(profile.review_threshold * 100),
            "currency": profile.currency,
            "mix_patterns": profile.mix_patterns,
        }

    def profile_fields(self) -> dict:
        """After ``is_valid()``: keyword arguments for ``services.profile_update``."""
        data = self.cleaned_data
        return {
            "language": data["language"],
            "review_threshold": data["review_threshold"] / 100,
            "currency": data["currency"],
            "mix_patterns": data["mix_patterns"],
        }
