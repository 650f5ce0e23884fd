"""Settings of the public API and the embeddable timetable, read from the environment.

Star-imported by config/settings.py, so every name here is a Django setting; each
variable has a default for local use and is documented in docs/configuration.md.
Nothing of Django is imported: settings are not configured yet when this runs.
"""

import environ

env = environ.Env()

# API_CORS_ALLOWED_ORIGINS: origins (scheme://host[:port]) whose pages may call /api/v1/
# from the browser, comma separated (default: none, so no cross-origin page may)
CORS_ALLOWED_ORIGINS = env.list("API_CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/v1/.*$"  # the pages never answer another origin's script
CORS_ALLOW_CREDENTIALS = False  # a token in the Authorization header, never cookies
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Retry-After", "Location"]
CORS_ALLOW_HEADERS = ["accept", "authorization", "content-type", "idempotency-key", "if-none-match"]

# API_MAX_RANGE_DAYS: the longest date range one request may ask for (default: 62)
API_MAX_RANGE_DAYS = env.int("API_MAX_RANGE_DAYS", default=62)
# API_PAGE_SIZE: items per page of a list (default: 50); ?page_size= up to API_MAX_PAGE_SIZE (default: 200)
API_PAGE_SIZE = env.int("API_PAGE_SIZE", default=50)
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=200)
# API_RATE_ANONYMOUS: requests per client address without a token (default: 120/min)
# API_RATE_TOKEN: requests per API token (default: 240/min)
API_RATE_ANONYMOUS = env.str("API_RATE_ANONYMOUS", default="120/min")
API_RATE_TOKEN = env.str("API_RATE_TOKEN", default="240/min")
# API_CACHE_SECONDS: how long a browser or proxy may reuse a public answer before asking
# again with its ETag (default: 60)
API_CACHE_SECONDS = env.int("API_CACHE_SECONDS", default=60)

REST_FRAMEWORK = {
    # A token (api.auth) and nothing else: no session, so no cookie and no CSRF token.
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.auth.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.TokenRateThrottle", "api.throttles.AddressRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": API_RATE_TOKEN, "address": API_RATE_ANONYMOUS},
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Shala API",
    "DESCRIPTION": (
        "The studio's timetable, therapies and free therapy times, read-only and public; "
        "a client's own bookings with a personal API token (Authorization: Bearer <token>). "
        "Errors are RFC 9457 problem details."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs page's Swagger UI from drf-spectacular-sidecar's static files, started by a
    # script file (SpectacularSwaggerSplitView): nothing from another host, nothing inline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# EMBED_ALLOWED_SITES: origins of the studio's own websites that may show the timetable in
# an <iframe> (Content-Security-Policy frame-ancestors), comma separated, e.g.
# https://www.example-yoga.com (default: none, so no site may frame it)
EMBED_ALLOWED_SITES = env.list("EMBED_ALLOWED_SITES", default=[])
