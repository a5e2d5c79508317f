"""Appointment booking: schedule templates, closed days, slots, bookings, reminders, check-in.

Plain functions for the patient app (benhan/portal) and the staff pages; all in `benhan.booking.services`:

- `free_slots(facility, department, first, last, doctor_id=None) -> list[Slot]`
  bookable slots (a free seat, not begun, not on a closed day) of a department, optionally one doctor,
  from `first` to `last` (dates, inclusive). Slots are made from the templates on demand.
- `book(repo, patient_id, slot, channel="online"|"walk-in"|"phone") -> Booking`
  takes a seat (race-safe: never more than `slot.capacity`), writes a FHIR Appointment (status booked)
  through `repo` and queues the reminder job. `repo.facility` must be the slot's facility.
- `cancel(repo, booking, reason="") -> Booking`: frees the seat, Appointment cancelled.
- `reschedule(repo, booking, new_slot) -> Booking`: atomic; the old seat is freed only if the new one is taken.
- `check_in(repo, booking) -> Booking`: on arrival (the slot's day), `start_outpatient_visit` in the booked room:
  `booking.queue_number`, `booking.encounter_id`; the Appointment becomes arrived, the Encounter points to it.
- `online_booking_share(facility_code, year, month) -> BookingShare(online, visits, share)`:
  online bookings checked in / all outpatient check-ins (every queue ticket, walk-ins included).
- `day_bookings(facility_code, day) -> list[Booking]`.

Errors are `benhan.booking.errors.BookingError` (and its `SlotFull`), with a Vietnamese message to show.
Reminders: the job `booking.reminder` runs at appointment − BOOKING_REMINDER_HOURS (default 24) and records a
`Reminder` row with status "due"; sending it is not done here. See docs/decisions/0014-booking.md.
"""
