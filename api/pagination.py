"""Page-number pagination of the API's lists: ?page=N&page_size=M."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.views import APIView


class Pages(PageNumberPagination):
    page_size = settings.API_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE


def paginated(request: Request, view: APIView, items: Sequence[Any] | Any, serialize) -> dict:
    """One page of ``items`` as {count, next, previous, results}; a page past the end is a 404."""
    pages = Pages()
    page = pages.paginate_queryset(items, request, view=view)
    return pages.get_paginated_response(serialize(page)).data
