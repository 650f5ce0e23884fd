"""A client's own bookings through the API, with their API token. Thin views.

Every write goes through the booking services the pages use (bookings.services
book_class / cancel_booking), with the same rules and messages; a booking is looked
up with the client in the query (bookings.selectors.client_booking), so another
client's reference is a 404, and cancel_booking checks the actor again.
"""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import selectors
from api.pagination import paginated
from api.problems import bad_request, conflict, documented, forbidden, not_found, unprocessable
from api.serializers import (
    BookClassRequest,
    BookingSerializer,
    CancellationSerializer,
    CancelRequest,
    paged,
)
from bookings import selectors as booking_selectors
from bookings import services
from bookings.models import Booking

REFERENCE = re.compile(r"[-A-Za-z0-9]{1,20}")
IDEMPOTENCY_KEY = re.compile(r"[-A-Za-z0-9_.:]{1,64}")  # fits Booking.idempotency_key
ERRORS = documented(400, 401, 403, 404, 405, 406, 409, 415, 422, 429)
KEY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Up to 64 of A-Z a-z 0-9 - _ . : ; the same key again returns the first booking, booked once.",
)


class ClientView(APIView):
    permission_classes = [IsAuthenticated]


def _own_booking(request: Request, reference: str) -> Booking:
    if not REFERENCE.fullmatch(reference):  # a NUL would reach PostgreSQL: no such booking
        raise not_found(_("No such booking."))
    try:
        return booking_selectors.client_booking(client=request.user, reference=reference)
    except Booking.DoesNotExist:
        raise not_found(_("No such booking.")) from None


def _refused(exc: services.BookingError):
    if isinstance(exc, services.SessionFull):
        return conflict(str(exc), kind="session_full")
    if isinstance(exc, services.NotPermitted):
        return forbidden(str(exc))
    return unprocessable(str(exc))


class MyBookings(ClientView):
    @extend_schema(responses={200: paged(BookingSerializer), **ERRORS}, operation_id="my_bookings_list")
    def get(self, request: Request) -> Response:
        upcoming, past = booking_selectors.client_bookings(client=request.user)
        return Response(paginated(request, self, upcoming + past, lambda page: BookingSerializer(page, many=True).data))

    @extend_schema(
        request=BookClassRequest,
        parameters=[KEY_PARAMETER],
        responses={201: BookingSerializer, 200: BookingSerializer, **ERRORS},
        operation_id="my_bookings_create",
        description="Book spots in a class session, as on its page. 201 with the booking; 200 with the "
        "first booking when the Idempotency-Key was used before. A full class is a 409, another rule a 422.",
    )
    def post(self, request: Request) -> Response:
        body = BookClassRequest(data=request.data)
        body.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key", "")
        if key and not IDEMPOTENCY_KEY.fullmatch(key):
            raise bad_request(_("The Idempotency-Key header may hold up to 64 of A-Z a-z 0-9 - _ . :"))
        replay = bool(key) and selectors.booked_with_key(client=request.user, key=key)
        try:
            booking = services.book_class(
                client=request.user,
                session_id=body.validated_data["session"],
                quantity=body.validated_data["quantity"],
                note=body.validated_data["note"],
                idempotency_key=key,
                meta=services.RequestMeta.from_request(request._request),
            )
        except services.BookingError as exc:
            raise _refused(exc) from None
        booking = _own_booking(request, booking.reference)
        response = Response(BookingSerializer(booking).data, status=status.HTTP_200_OK if replay else 201)
        response["Location"] = request.build_absolute_uri(reverse("api:my_booking", args=[booking.reference]))
        return response


class MyBooking(ClientView):
    @extend_schema(responses={200: BookingSerializer, **ERRORS}, operation_id="my_booking_detail")
    def get(self, request: Request, reference: str) -> Response:
        return Response(BookingSerializer(_own_booking(request, reference)).data)


class CancelMyBooking(ClientView):
    @extend_schema(
        request=CancelRequest,
        responses={200: CancellationSerializer, **ERRORS},
        operation_id="my_booking_cancel",
        description="Cancel one's own booking under the policy it was made under, as on its page. "
        "Cancelling it again is a 409.",
    )
    def post(self, request: Request, reference: str) -> Response:
        body = CancelRequest(data=request.data)
        body.is_valid(raise_exception=True)
        booking = _own_booking(request, reference)
        if not booking.is_active:
            raise conflict(_("This booking can no longer be cancelled."), kind="not_cancellable")
        try:
            outcome = services.cancel_booking(
                booking=booking,
                actor=request.user,
                reason=body.validated_data["reason"],
                meta=services.RequestMeta.from_request(request._request),
            )
        except services.BookingError as exc:
            raise _refused(exc) from None
        booking = _own_booking(request, reference)
        data = {"booking": booking, "refund": outcome.refund, "fee": outcome.fee}
        return Response(CancellationSerializer(data).data)
