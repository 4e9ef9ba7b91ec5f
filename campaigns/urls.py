from django.contrib.auth import views as auth_views
from django.urls import path

from campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="campaigns/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
