from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views
from accounts.security import auth_throttled

app_name = "accounts"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", auth_throttled(auth_views.LoginView.as_view(redirect_authenticated_user=True)), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("logout-all/", views.logout_all, name="logout-all"),
    path("language/", views.language, name="language"),
    path("settings/password/", views.password_change, name="password"),
    path("settings/delete/", views.account_delete, name="delete"),
]
