"""Procedure 1 (biometric passport): scan, chip, check, selfie, done.

Filled by the passport engineer; routes register on ``bp`` and guard their
step with ``flow.step_page("scan")`` etc.
"""
