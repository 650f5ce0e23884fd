"""The profile page and the language switcher."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import LANGUAGE_QUERY_PARAMETER
from django.views.i18n import set_language as django_set_language

from accounts import services
from accounts.forms import ProfileForm
from accounts.http import AuthedRequest
from accounts.models import User


@login_required
def profile(request: AuthedRequest) -> HttpResponse:
    # A copy: a failed form must not leave unsaved values on request.user (the navbar).
    form = ProfileForm(request.POST or None, instance=User.objects.get(pk=request.user.pk))
    if request.method == "POST" and form.is_valid():
        form.save()
        translation.activate(form.instance.language)
        messages.success(request, _("Your profile has been saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language (cookie, redirect to ``next``), and the profile for a signed-in person.

    A signed-in person's profile language wins over the cookie (accounts.middleware), so
    without the save the switcher would do nothing for them; the save also makes their
    messages follow the choice. Django's view checks the code (and ignores one it does
    not know); the service is asked only for a language Django accepted.
    """
    response = django_set_language(request)
    code = request.POST.get(LANGUAGE_QUERY_PARAMETER, "")
    user = request.user
    if isinstance(user, User) and code in dict(settings.LANGUAGES) and translation.check_for_language(code):
        services.set_language(user=user, actor=user, language=code)
    return response
