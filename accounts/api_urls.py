from django.urls import path

from accounts import views

urlpatterns = [
    path("token/", views.TokenApi.as_view(), name="api-token"),
    path("signup/", views.SignUpApi.as_view(), name="api-signup"),
]
