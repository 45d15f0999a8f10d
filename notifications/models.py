"""Notification outbox, templates and deliveries (issue: status engine and notifications)."""
