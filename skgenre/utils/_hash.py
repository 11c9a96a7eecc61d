"""The SHA-256 of a file, read in blocks: one helper for model identities and weight checks."""

import hashlib

__all__ = ["file_sha256"]


def file_sha256(path):
    """Return the hex SHA-256 of the file at ``path``, read 1 MiB at a time.

    Examples
    --------
    >>> import tempfile
    >>> from skgenre.utils._hash import file_sha256
    >>> with tempfile.NamedTemporaryFile(delete=False) as f:
    ...     _ = f.write(b"abc")
    >>> file_sha256(f.name)[:16]
    'ba7816bf8f01cfea'
    """
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
