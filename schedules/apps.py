from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class SchedulesConfig(AppConfig):
    name = "schedules"
    verbose_name = _("Timetable")

    def ready(self) -> None:
        from schedules.cache import bump_on_change
        from schedules.models import ClassSession, ClassType, Location, Practitioner, Room

        # What the public timetable shows: any save or delete makes its cached grids stale.
        # QuerySet.update() sends no signal: its callers bump themselves (schedules.cache).
        for model in (ClassSession, ClassType, Location, Room, Practitioner):
            for signal in (post_save, post_delete):
                signal.connect(bump_on_change, sender=model, dispatch_uid=f"timetable-version-{model.__name__}")
