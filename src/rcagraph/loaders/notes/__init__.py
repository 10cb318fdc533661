"""Tickets and chat: incident tickets (GitHub and Jira issues as their REST APIs return them)
and chat threads (a Slack channel export, a Microsoft Teams message export) as ``:Note``
events on the incident's timeline, linked to the components and changes they mention."""

from rcagraph.loaders.notes.loader import ChatLoader, TicketsLoader

__all__ = ["ChatLoader", "TicketsLoader"]
