"""What the API's answers and query strings look like (and so what the OpenAPI schema says)."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers

from config import params
from schedules.models import ClassType, Level, Location, Practitioner, TherapyType

MAX_ID = 2**63 - 1  # PostgreSQL's bigint: a larger id is a 400, not a database error


# --- query strings --------------------------------------------------------------------------


class DateRangeQuery(serializers.Serializer):
    """``start``..``end`` (both included), at most API_MAX_RANGE_DAYS days, near today."""

    start = serializers.DateField(required=False, help_text="First day, YYYY-MM-DD (default: today).")
    end = serializers.DateField(required=False, help_text="Last day, included (default: six days after start).")

    def validate(self, attrs: dict) -> dict:
        today = self.context["today"]
        start = attrs.get("start") or today
        end = attrs.get("end") or start + timedelta(days=6)
        earliest, latest = params.date_bounds(today)
        if not (earliest <= start <= latest and earliest <= end <= latest):
            raise serializers.ValidationError(
                _("Choose dates within %(years)d years of today.") % {"years": params.HORIZON_YEARS}
            )
        if end < start:
            raise serializers.ValidationError({"end": [_("The end must not be before the start.")]})
        if (end - start).days + 1 > settings.API_MAX_RANGE_DAYS:
            raise serializers.ValidationError(
                {"end": [_("A range may cover at most %(n)d days.") % {"n": settings.API_MAX_RANGE_DAYS}]}
            )
        return {**attrs, "start": start, "end": end}


class SessionQuery(DateRangeQuery):
    location = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    class_type = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    teacher = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    level = serializers.ChoiceField(required=False, choices=Level.choices)


class SlotQuery(DateRangeQuery):
    minutes = serializers.IntegerField(required=False, min_value=1, max_value=24 * 60, help_text="Default: shortest.")
    therapist = serializers.SlugField(required=False, max_length=50, help_text="A therapist's slug (default: all).")


class SummaryQuery(serializers.Serializer):
    month = serializers.RegexField(r"^[0-9]{4}-(0[1-9]|1[0-2])$", max_length=7, help_text="YYYY-MM.")
    location = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    therapy_type = serializers.SlugField(required=False, max_length=50, help_text="Mark days with its free time.")

    def validate_month(self, value: str) -> date:
        try:
            month = date(int(value[:4]), int(value[5:]), 1)
        except ValueError:  # year 0
            raise serializers.ValidationError(_("Enter a month as YYYY-MM.")) from None
        earliest, latest = params.date_bounds(self.context["today"])
        if not earliest <= month <= latest:
            raise serializers.ValidationError(
                _("Choose dates within %(years)d years of today.") % {"years": params.HORIZON_YEARS}
            )
        return month


# --- answers ------------------------------------------------------------------------------


class LocationSerializer(serializers.ModelSerializer):
    time_zone = serializers.CharField(source="zone.key")

    class Meta:
        model = Location
        fields = ["id", "slug", "name", "address", "time_zone", "is_online"]


class ClassTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClassType
        fields = ["id", "slug", "title", "description", "level", "duration_minutes", "capacity", "price", "currency"]
        fields += ["is_online"]


class TeacherSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Practitioner
        fields = ["id", "slug", "public_name", "bio", "is_instructor", "is_therapist", "url"]

    def get_url(self, obj: Practitioner) -> str:
        return self.context["request"].build_absolute_uri(obj.get_absolute_url())


class SessionSerializer(serializers.Serializer):
    """A class session as the timetable shows it (schedules.selectors.TimetableSession)."""

    id = serializers.IntegerField(source="pk")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    title = serializers.CharField()
    level = serializers.ChoiceField(choices=Level.choices)
    teacher = serializers.CharField(source="instructor_name")
    room = serializers.CharField(source="room_name", allow_null=True)
    location = serializers.CharField(source="location_name")
    capacity = serializers.IntegerField()
    spots_left = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["scheduled", "cancelled"])
    is_online = serializers.BooleanField()
    url = serializers.URLField(help_text="The class's page, to book it.")


class DurationSerializer(serializers.Serializer):
    minutes = serializers.IntegerField()
    price = serializers.DecimalField(max_digits=8, decimal_places=2)


class TherapistRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    public_name = serializers.CharField()


class TherapyTypeSerializer(serializers.ModelSerializer):
    durations = DurationSerializer(many=True)
    therapists = TherapistRefSerializer(many=True)

    class Meta:
        model = TherapyType
        fields = ["id", "slug", "title", "description", "is_online", "currency", "durations", "therapists"]


class SlotSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    therapist = serializers.SlugField()
    location = serializers.IntegerField(allow_null=True, help_text="Location id; null when online.")


class SummaryDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    sessions = serializers.IntegerField(help_text="Scheduled classes that day.")
    spots_left = serializers.IntegerField(help_text="Free spots over those classes.")
    free_therapy_time = serializers.BooleanField(
        allow_null=True, help_text="Some therapist of therapy_type has free time that day (null without it)."
    )


class SummarySerializer(serializers.Serializer):
    month = serializers.CharField()
    time_zone = serializers.CharField()
    days = SummaryDaySerializer(many=True)


# --- bookings -------------------------------------------------------------------------------


class BookingSerializer(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.CharField()
    quantity = serializers.IntegerField()
    starts_at = serializers.DateTimeField(source="start")
    ends_at = serializers.DateTimeField(source="end")
    title = serializers.CharField()
    session = serializers.IntegerField(source="class_session_id", allow_null=True)
    total = serializers.DecimalField(max_digits=10, decimal_places=2)
    currency = serializers.CharField()


class BookClassRequest(serializers.Serializer):
    session = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=20, default=1)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CancelRequest(serializers.Serializer):
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class CancellationSerializer(serializers.Serializer):
    booking = BookingSerializer()
    refund = serializers.DecimalField(max_digits=10, decimal_places=2)
    fee = serializers.DecimalField(max_digits=10, decimal_places=2)


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


def paged(child: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The schema of one page of ``child`` items (api.pagination): count, next, previous, results."""
    name = "Paged" + child.__name__.removesuffix("Serializer")
    fields = {
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": child(many=True),
    }
    return type(name, (serializers.Serializer,), fields)
