"""Output locations, checked before any work starts.

Every command checks where it will write before it reads data or loads
TensorFlow: a folder must not be (or be under) a regular file, must be
writable (tried, not guessed from mode bits: root, ACLs and read-only
mounts all answer truthfully), and, where the size of what is written is
knowable, its file system must have room for it. Each failure is a
`UserError` naming the flag and the path.
"""

import os
import shutil
import tempfile

from tfft.errors import UserError

MB = 1 << 20


def _absolute(path: str) -> str:
    return os.path.abspath(os.path.expanduser(str(path)))


def nearest_existing(path: str) -> str:
    """`path` itself if it exists, else its nearest existing ancestor."""
    path = _absolute(path)
    while not os.path.lexists(path):
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return path


def free_bytes(path: str) -> int:
    """Free bytes on the file system that holds (or would hold) `path`."""
    return shutil.disk_usage(nearest_existing(path)).free


def megabytes(n: int) -> str:
    return f"{max(n, 0) / MB:,.0f} MB" if n >= MB else f"{n / 1024:,.0f} KB"


def check_folder(path: str, flag: str) -> str:
    """`path` can be a folder tfft writes into (it may not exist yet).
    Returns the absolute path."""
    target = _absolute(path)
    found = nearest_existing(target)
    if not os.path.isdir(found):
        where = ("is a file" if found == target
                 else f"is under {found}, which is a file")
        raise UserError(f"{flag} {path} {where}; pass a folder path")
    _try_write(found, flag, path)
    return target


def check_space(path: str, flag: str, need_bytes: int,
                purpose: str) -> None:
    """The file system that holds (or will hold) `path` has `need_bytes`
    free for `purpose`."""
    free = free_bytes(path)
    if free < need_bytes:
        raise UserError(
            f"{flag} {path}: its file system has {megabytes(free)} free and "
            f"{purpose} needs about {megabytes(need_bytes)}; free space or "
            f"pass another {flag}")


def check_file(path: str, flag: str) -> str:
    """`path` can be a file tfft writes (replacing it if it exists)."""
    target = _absolute(path)
    if os.path.isdir(target):
        raise UserError(f"{flag} {path} is a folder; pass a file path")
    found = nearest_existing(os.path.dirname(target))
    if not os.path.isdir(found):
        raise UserError(f"{flag} {path} is under {found}, which is a file; "
                        "pass a path in a folder")
    check_folder(found, flag)
    if os.path.lexists(target) and not os.access(target, os.W_OK):
        raise UserError(f"{flag} {path} cannot be written (permission "
                        f"denied); pass another {flag}")
    return target


def _try_write(folder: str, flag: str, path: str) -> None:
    """Creates and removes a file in `folder`: the one honest test."""
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".tfft-probe-")
    except OSError as e:
        raise UserError(
            f"{flag} {path}: cannot write in {folder} ({e.strerror}); pass "
            f"a {flag} you can write to") from e
    os.close(fd)
    os.remove(probe)
