"""Plain text from templates: e-mail subjects and bodies, SMS, WhatsApp, in-app messages.

Django's templates escape for HTML, which is right for pages and the HTML part of an
e-mail and wrong for text: a client called "Seán O'Brien & Co" would read
``O&#x27;Brien &amp; Co`` in a subject line, and the in-app list would escape it a
second time. Every ``.txt`` template is rendered here, by a copy of the project's
template engine with autoescaping off: one mechanism, so a new text template cannot
forget its ``{% autoescape off %}``. Text that lands in a page is escaped there, once,
by that page's template.
"""

from __future__ import annotations

from functools import lru_cache

from django.template import Engine


def text_engine() -> Engine:
    """The project's engine (same folders, loaders and tag libraries) with autoescape off."""
    return _copy_without_autoescape(Engine.get_default())


@lru_cache(maxsize=1)
def _copy_without_autoescape(base: Engine) -> Engine:
    # Keyed on the project's engine, which Django builds anew when TEMPLATES changes (tests).
    return Engine(
        dirs=base.dirs,
        loaders=base.loaders,  # already the folders and apps' templates (and cached when not debugging)
        debug=base.debug,
        string_if_invalid=base.string_if_invalid,
        file_charset=base.file_charset,
        libraries=base.libraries,
        builtins=[b for b in base.builtins if b not in Engine.default_builtins],
        autoescape=False,
    )


def render_text(template_name: str, context: dict) -> str:
    """``template_name`` rendered as plain text: nothing in ``context`` is HTML-escaped."""
    return text_engine().render_to_string(template_name, context)
