"""The public, read-only part of /api/v1/: anyone may read it, no token needed. Thin views."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import caching, selectors
from api.pagination import paginated
from api.problems import bad_request, documented, not_found
from api.serializers import (
    ClassTypeSerializer,
    LocationSerializer,
    SessionQuery,
    SessionSerializer,
    SlotQuery,
    SlotSerializer,
    SummaryQuery,
    SummarySerializer,
    TeacherSerializer,
    TherapyTypeSerializer,
    paged,
)
from schedules.selectors import TimetableFilters

# Every operation may answer a 404 (a page past the end), 405, 406 and 429 as problems.
COMMON = documented(404, 405, 406, 429)
BAD_REQUEST = documented(400)
SLUG = re.compile(r"[-\w]{1,50}", re.ASCII)  # anything else (a NUL, a space) is no therapy: 404
NOT_FOUND: dict = {}  # in COMMON


def _query(serializer_class, request: Request, zone=None) -> dict:
    today = timezone.localdate(timezone.now(), zone or selectors.studio_zone())
    query = serializer_class(data=request.query_params, context={"today": today, "request": request})
    query.is_valid(raise_exception=True)  # a 400 problem (api.problems), never a 500
    return query.validated_data


class PublicView(APIView):
    authentication_classes: list = []  # public: a token is neither needed nor looked at


class LocationList(PublicView):
    @extend_schema(responses={200: paged(LocationSerializer), **COMMON}, parameters=[], operation_id="locations_list")
    def get(self, request: Request) -> Response:
        return caching.versioned(
            request,
            lambda: paginated(request, self, selectors.locations(), lambda p: LocationSerializer(p, many=True).data),
        )


class ClassTypeList(PublicView):
    @extend_schema(responses={200: paged(ClassTypeSerializer), **COMMON}, operation_id="class_types_list")
    def get(self, request: Request) -> Response:
        return caching.versioned(
            request,
            lambda: paginated(request, self, selectors.class_types(), lambda p: ClassTypeSerializer(p, many=True).data),
        )


class TeacherList(PublicView):
    @extend_schema(responses={200: paged(TeacherSerializer), **COMMON}, operation_id="teachers_list")
    def get(self, request: Request) -> Response:
        context = {"request": request}
        return caching.versioned(
            request,
            lambda: paginated(
                request, self, selectors.teachers(), lambda p: TeacherSerializer(p, many=True, context=context).data
            ),
        )


class SessionList(PublicView):
    @extend_schema(
        parameters=[SessionQuery],
        responses={200: paged(SessionSerializer), **COMMON, **BAD_REQUEST},
        operation_id="sessions_list",
        description="Class sessions on the days start..end (the location's days, else the studio's), "
        "with the spots left. Cancelled ones are listed with status cancelled.",
    )
    def get(self, request: Request) -> Response:
        query = _query(SessionQuery, request)
        zone = selectors.zone_for(query.get("location"))

        def build() -> dict:
            filters = TimetableFilters(
                location_id=query.get("location"),
                class_type_id=query.get("class_type"),
                instructor_id=query.get("teacher"),
                level=query.get("level"),
            )
            sessions = selectors.sessions_between(start=query["start"], end=query["end"], zone=zone, filters=filters)

            def serialize(page) -> list:
                rows = [
                    {**_session_fields(s), "url": request.build_absolute_uri(reverse("schedules:session", args=[s.pk]))}
                    for s in page
                ]
                return SessionSerializer(rows, many=True).data

            return paginated(request, self, sessions, serialize)

        return caching.versioned(request, build)


def _session_fields(session) -> dict:
    return {
        "pk": session.pk,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "title": session.title,
        "level": session.level,
        "instructor_name": session.instructor_name,
        "room_name": session.room_name,
        "location_name": session.location_name,
        "capacity": session.capacity,
        "spots_left": session.spots_left,
        "status": session.status,
        "is_online": session.is_online,
    }


class TherapyTypeList(PublicView):
    @extend_schema(responses={200: paged(TherapyTypeSerializer), **COMMON}, operation_id="therapy_types_list")
    def get(self, request: Request) -> Response:
        data = paginated(
            request, self, selectors.public_therapy_types(), lambda p: TherapyTypeSerializer(p, many=True).data
        )
        return caching.by_content(request, data)


class TherapySlotList(PublicView):
    @extend_schema(
        parameters=[SlotQuery],
        responses={200: paged(SlotSerializer), **COMMON, **BAD_REQUEST, **NOT_FOUND},
        operation_id="therapy_slots_list",
        description="Free start times of the therapy on the studio's days start..end, for every "
        "therapist who gives it or for one (therapist=slug), of one length (minutes, default the shortest).",
    )
    def get(self, request: Request, slug: str) -> Response:
        kind = selectors.public_therapy_types().filter(slug=slug).first() if SLUG.fullmatch(slug) else None
        if kind is None:
            raise not_found(_("No such therapy."))
        query = _query(SlotQuery, request)
        durations = [d.minutes for d in kind.durations.all()]
        minutes = query.get("minutes") or (durations[0] if durations else 0)
        if minutes not in durations:
            lengths = ", ".join(str(m) for m in durations) or "-"
            raise bad_request(_("Choose one of this therapy's lengths: %(minutes)s.") % {"minutes": lengths})
        therapists = list(kind.therapists.all())
        if "therapist" in query:
            therapists = [t for t in therapists if t.slug == query["therapist"]]
            if not therapists:
                raise not_found(_("No such therapist gives this therapy."))
        slots = selectors.free_slots(
            kind=kind,
            minutes=minutes,
            therapists=therapists,
            start=query["start"],
            end=query["end"],
            zone=selectors.studio_zone(),
            now=timezone.now(),
        )
        rows = [vars(s) for s in slots]
        data = paginated(request, self, rows, lambda p: SlotSerializer(p, many=True).data)
        return caching.by_content(request, data)


class MonthSummary(PublicView):
    @extend_schema(
        parameters=[SummaryQuery],
        responses={200: SummarySerializer, **COMMON, **BAD_REQUEST, **NOT_FOUND},
        operation_id="summary_month",
        description="Per day of the month (the location's days, else the studio's): the scheduled "
        "classes, their free spots, and, with therapy_type, whether it has free time that day.",
    )
    def get(self, request: Request) -> Response:
        query = _query(SummaryQuery, request)
        kind = None
        if "therapy_type" in query:
            kind = selectors.public_therapy_types().filter(slug=query["therapy_type"]).first()
            if kind is None:
                raise not_found(_("No such therapy."))
        zone = selectors.zone_for(query.get("location"))
        days = selectors.month_summary(
            month=query["month"], location_id=query.get("location"), kind=kind, zone=zone, now=timezone.now()
        )
        data = SummarySerializer(
            {"month": f"{query['month']:%Y-%m}", "time_zone": zone.key, "days": [vars(d) for d in days]}
        ).data
        return caching.by_content(request, data)


__all__ = ["ClassTypeList", "LocationList", "MonthSummary", "SessionList", "TeacherList", "TherapySlotList"]
