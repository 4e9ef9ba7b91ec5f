"""The change-password page: reached from the user menu, needs the old password, keeps this session signed in,
signs other sessions out, and speaks Spanish; the login page links to the reset form."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-only"
NEW_PASSWORD = "larch-okapi-trombone-47"


def change(client: Client, old: str, new: str):
    return client.post(
        reverse("campaigns:password_change"), {"old_password": old, "new_password1": new, "new_password2": new}
    )


def test_the_page_needs_a_signed_in_user(client):
    response = client.get(reverse("campaigns:password_change"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('campaigns:login')}?next={reverse('campaigns:password_change')}"


def test_the_user_menu_links_to_it_and_the_login_page_to_the_reset(client, owner):
    login_page = client.get(reverse("campaigns:login")).content.decode()
    assert f'href="{reverse("campaigns:password_reset")}"' in login_page
    client.force_login(owner)
    home = client.get(reverse("campaigns:dashboard")).content.decode()
    assert f'href="{reverse("campaigns:password_change")}"' in home
    page = client.get(reverse("campaigns:password_change"))
    assert page.status_code == 200
    assert list(page.context["form"].fields) == ["old_password", "new_password1", "new_password2"]


def test_a_change_keeps_this_session_and_ends_the_others(client, owner):
    other_browser = Client()
    other_browser.force_login(owner)
    client.force_login(owner)
    response = change(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("campaigns:password_change_done")
    done = client.get(response["Location"])
    assert done.status_code == 200
    assert "API tokens made with the old password no longer work" in done.content.decode()
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    assert client.get(reverse("campaigns:dashboard")).status_code == 200
    assert other_browser.get(reverse("campaigns:dashboard")).status_code == 302  # signed out by the new password hash


def test_a_wrong_old_password_changes_nothing(client, owner):
    client.force_login(owner)
    response = change(client, "not-my-password", NEW_PASSWORD)
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"] == [
        "Your old password was entered incorrectly. Please enter it again."
    ]
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_the_pages_speak_spanish(client, owner):
    client.force_login(owner)
    client.post(reverse("campaigns:set_language"), {"language": "es", "next": "/"})
    home = client.get(reverse("campaigns:dashboard")).content.decode()
    assert "Cambiar contraseña" in home
    done = client.get(change(client, PASSWORD, NEW_PASSWORD)["Location"]).content.decode()
    assert "Tu contraseña se ha cambiado." in done
    client.post(reverse("campaigns:logout"))
    assert "¿Olvidaste tu contraseña?" in client.get(reverse("campaigns:login")).content.decode()
