"""Bahasa Indonesia unless the person chose another language.

Django's LocaleMiddleware would follow the browser's Accept-Language, so a console PC set up in
English would show English to everyone; here only the language cookie (the ID/EN buttons)
changes it.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_cache_control
from rest_framework.response import Response

from incidents.privacy import masked_for


class ChosenLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class PersonalDataMiddleware:
    """What can carry a caller's data is masked for a verifier and kept by no cache.

    Every API answer is masked here, before it is rendered, for whoever reads callers masked
    (incidents/privacy.py decides who): a view added tomorrow cannot forget it. Every answer to
    a signed-in person, and every API answer, says `Cache-Control: no-store`, so a browser or a
    proxy keeps no copy of a console, an incident or an export. Static files are served before
    this middleware runs; /healthz answers anyone and says never-cache itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            patch_cache_control(response, no_store=True)
        return response

    def process_template_response(self, request, response):
        if isinstance(response, Response) and response.data is not None:
            response.data = masked_for(getattr(request, "user", None), response.data)
        return response
