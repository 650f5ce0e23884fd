"""A client's claim on a class session or a therapist's time (built on the timetable)."""
