"""Where, who, what and when: locations, rooms, practitioners, class types, recurring
schedules and their sessions, blackouts, and the one table of occupied time."""
