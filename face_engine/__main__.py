"""``python -m face_engine``: the same commands as ``flask face``."""

from face_engine.cli import face

face(prog_name="python -m face_engine")
