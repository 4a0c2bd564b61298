from django.contrib.auth.forms import UserCreationForm


class SignUpForm(UserCreationForm):
    """Username, password, password confirmation; runs AUTH_PASSWORD_VALIDATORS."""

    class Meta(UserCreationForm.Meta):
        fields = ("username",)
