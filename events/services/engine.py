"""The one place the events app reaches the speed-mentoring engine."""

from matching.engine.speed import SpeedSchedule, speed_schedule

__all__ = ["SpeedSchedule", "speed_schedule"]
