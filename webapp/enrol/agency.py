"""Procedure 2 (selfie + agency visit): identity, appointment, booked, the visit.

Filled by the agency engineer; routes register on ``bp`` and guard their step
with ``flow.step_page("identity")`` etc.
"""
