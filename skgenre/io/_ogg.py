"""How many chained streams an Ogg file holds, counted from its page headers.

An Ogg file may be a chain of complete streams one after another: Ogg files joined
together (``cat a.ogg b.ogg``, which the Ogg format allows) or a recorded internet radio
stream, one link per song. libsndfile decodes only the first link and reports only its
length, so such a file would load cut short, with nothing said. A new link starts with a
page flagged "beginning of stream" after pages of the previous link; walking the page
headers finds them without decoding anything.
"""

from ._mpeg import map_file

__all__ = ["ogg_links"]

_CAPTURE = b"OggS"
_BOS = 0x02  # header_type flag: the first page of a logical stream


def ogg_links(path):
    """The number of chained streams (links) in the Ogg file ``path``, or None.

    Beginning-of-stream pages at the very start (several streams multiplexed in one
    link: Vorbis with a Skeleton track, audio with video) make one link; each later run of
    them starts another. None where the file does not start with an Ogg page.

    Parameters
    ----------
    path : str or os.PathLike
        An Ogg file (Vorbis, Opus, FLAC in Ogg).

    Returns
    -------
    n : int or None
        The walk stops at the first byte that is not a page (a truncated or damaged
        file): links after it are not counted.

    Examples
    --------
    >>> import os, tempfile
    >>> from skgenre.io._ogg import ogg_links
    >>> def page(flags):  # a page of one 10-byte segment
    ...     return b"OggS" + bytes([0, flags]) + bytes(20) + bytes([1, 10]) + bytes(10)
    >>> with tempfile.NamedTemporaryFile(suffix=".ogg", delete=False) as f:
    ...     _ = f.write((page(2) + page(0) + page(4)) * 2)  # two files joined
    >>> ogg_links(f.name)
    2
    >>> os.remove(f.name)
    """
    data = map_file(path)
    if data is None:
        return None
    with data:
        if data[:4] != _CAPTURE:
            return None
        end, pos, links, in_headers = len(data), 0, 0, False
        while pos + 27 <= end and data[pos : pos + 4] == _CAPTURE:
            bos = data[pos + 5] & _BOS
            if bos and not in_headers:
                links += 1
            in_headers = bool(bos)
            n_segments = data[pos + 26]
            table = data[pos + 27 : pos + 27 + n_segments]
            if len(table) < n_segments:
                break
            pos += 27 + n_segments + sum(table)
        return links
