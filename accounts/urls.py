from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.language, name="language"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/delete/", views.account_delete, name="delete"),
    path("settings/export/", views.export, name="export"),
]
