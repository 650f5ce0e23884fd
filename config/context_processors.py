"""Template context shared by every page."""

from django.conf import settings
from django.http import HttpRequest


def studio(request: HttpRequest) -> dict:
    return {"STUDIO_NAME": settings.STUDIO_NAME}
