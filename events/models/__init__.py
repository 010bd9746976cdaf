from events.models.events import EventStatus, SpeedEvent, SpeedParticipant, SpeedPick, SpeedRole, SpeedSlot

__all__ = ["EventStatus", "SpeedEvent", "SpeedParticipant", "SpeedPick", "SpeedRole", "SpeedSlot"]
