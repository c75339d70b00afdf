"""Hand-off to a human referent with a booked in-person slot.

- territory: places, referents, reasons and settings from a checked YAML file
- slots: free slots computed from it and the bookings (never stored), and offers of three
- models: hand-offs, appointments, and the grid units that forbid overlapping bookings
- booking: open a hand-off; book, cancel, reschedule an appointment; record the outcome
- reminders: which appointments to remind the day before, and claiming them once
- ics, display: calendar file, map links, short French display parts of a slot
"""
