"""The authentication backend: Django's ``ModelBackend``, which reads a signed-in user's profile in
the same query as the user."""

from __future__ import annotations

from django.contrib.auth import backends, get_user_model

from accounts.selectors import profile_keep_loaded


class ModelBackend(backends.ModelBackend):
    """Django's ``ModelBackend``; ``get_user`` (once per request of a signed-in browser) joins the
    user's ``Profile``, which ``UserLanguageMiddleware`` reads on every request: one query fewer
    per page (issue 18 point 10)."""

    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("profile").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        profile_keep_loaded(user)
        return user if self.user_can_authenticate(user) else None
