"""Queues for full class sessions and wished-for therapy times."""
