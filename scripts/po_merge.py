#!/usr/bin/env python3
"""Git merge driver for the Babel catalogues (``*.po``, ``*.pot``).

Parallel branches each add their own strings; a line-based merge of two sorted
catalogues conflicts whenever both add near the same place. This driver merges
by message instead: every msgid of either side is kept, a translation from either
side fills an empty one, and for a msgid both sides translated differently ours
wins (the rebased branch re-checks its translations). Messages that one side
removed and the other left untouched are removed.

Set up once per clone::

    git config merge.po.driver "python3 scripts/po_merge.py %O %A %B"

``.gitattributes`` routes ``*.po`` and ``*.pot`` to it.
"""

from __future__ import annotations

import sys

from babel.messages.pofile import read_po, write_po


def _read(path: str):
    with open(path, "rb") as handle:
        return read_po(handle)


def _key(message):
    return (message.id, message.context)


def main(base_path: str, ours_path: str, theirs_path: str) -> int:
    base, ours, theirs = _read(base_path), _read(ours_path), _read(theirs_path)
    base_keys = {_key(m) for m in base if m.id}
    ours_keys = {_key(m) for m in ours if m.id}
    theirs_keys = {_key(m) for m in theirs if m.id}
    # Removed by theirs (present in base and ours, absent from theirs): drop.
    for key in (base_keys & ours_keys) - theirs_keys:
        ours.delete(*key)
    for message in theirs:
        if not message.id:
            continue
        key = _key(message)
        mine = ours.get(*key)
        if mine is None:
            if key in base_keys:
                continue  # removed by ours
            ours[message.id] = message
        elif not _translated(mine) and _translated(message):
            mine.string = message.string
            mine.flags = set(message.flags)
    with open(ours_path, "wb") as handle:
        write_po(handle, ours, sort_output=True, omit_header=False, width=100)
    return 0


def _translated(message) -> bool:
    if isinstance(message.string, (list, tuple)):
        return all(message.string)
    return bool(message.string)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
