"""Domain events and the event bus."""

from caruso.events.base import Event, new_id
from caruso.events.bus import EventBus, Subscription

__all__ = ["Event", "EventBus", "Subscription", "new_id"]
