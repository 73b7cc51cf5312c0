"""The shared enrolment steps (filled below)."""
