"""Outbox and delivery of messages by e-mail, SMS, WhatsApp and in-app; calendar files."""
