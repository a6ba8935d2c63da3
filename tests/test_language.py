"""Bahasa Indonesia unless the person chose English with the ID/EN buttons."""

from django.urls import reverse


def test_a_browser_set_to_english_still_gets_bahasa_indonesia(db, client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="id">' in response.content.decode()
    assert response["Content-Language"] == "id"


def test_choosing_english_sticks_and_choosing_indonesian_brings_it_back(db, client):
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert '<html lang="en">' in client.get(reverse("login")).content.decode()
    client.post(reverse("set_language"), {"language": "id", "next": "/login/"})
    assert '<html lang="id">' in client.get(reverse("login")).content.decode()


def test_an_unknown_language_cookie_falls_back_to_indonesian(db, client):
    client.cookies["django_language"] = "xx"
    assert '<html lang="id">' in client.get(reverse("login")).content.decode()
