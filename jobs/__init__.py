"""Background jobs. Job functions take plain ids and write their result to the database.

``jobs.queue`` is the only module that knows whether RQ (Redis) or inline
execution is used.
"""
