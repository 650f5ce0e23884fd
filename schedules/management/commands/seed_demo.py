"""Load the demo studio and print the demo log-ins. Idempotent.

Each installed app may have a ``demo`` module with ``seed(write)``; they run in
INSTALLED_APPS order (the timetable before bookings), so every app adds its own
demo rows without this command importing apps that build on the timetable.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from schedules.demo import login_lines


class Command(BaseCommand):
    help = "Load the demo studio (idempotent) and print the demo log-ins."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            for config in apps.get_app_configs():
                name = f"{config.name}.demo"
                if find_spec(name) is not None:
                    import_module(name).seed(self.stdout.write)
        for line in login_lines():
            self.stdout.write(line)
