"""Users of Shala: clients, practitioners and staff, with their profile and log-in pages."""
