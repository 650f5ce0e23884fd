"""What a view's request carries beyond Django's, written down for the type checker.

``ViewerTimezoneMiddleware`` sets ``viewer_zone`` on every request; behind
``login_required`` the user is a real account, never ``AnonymousUser``. Annotating a view's
``request`` with these classes says so once, instead of a check or a cast in every view
(the pattern django-stubs documents for ``request.user``). Annotations only: Django still
passes its own ``HttpRequest``.
"""

import zoneinfo

from django.http import HttpRequest

from accounts.models import User


class ViewerRequest(HttpRequest):
    """Any request that went through ``accounts.middleware.ViewerTimezoneMiddleware``."""

    viewer_zone: zoneinfo.ZoneInfo


class AuthedRequest(ViewerRequest):
    """A request behind ``login_required`` (or a staff check): the user is logged in."""

    user: User
