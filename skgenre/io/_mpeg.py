"""The length of an MPEG audio stream, counted from its frame headers.

libsndfile (through libmpg123) takes an MP3's length from the Xing/Info header of its first
frame, or, without one, estimates it from the first frame's bitrate, and reads no further.
A VBR file without that header, or MP3 files joined together (``cat a.mp3 b.mp3``), would
then load cut short, with nothing said. Walking the frame headers gives the true length at
the cost of touching each frame's first four bytes (no decoding).
"""

import mmap

__all__ = ["map_file", "mpeg_frames"]

# kbit/s by bitrate index, for (MPEG-1?, layer); index 0 (free format) and 15 are not walked
_BITRATES = {
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
# sample rates by rate index, for the version bits (3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5)
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
# what may follow the last frame: ID3v1, APEv2 and Lyrics3 tags
_TRAILERS = (b"TAG", b"APETAGEX", b"LYRICS")


def map_file(path):
    """The file's bytes mapped read-only (the page cache, not a copy), or None for an
    empty file or one that cannot be mapped: a header walk then counts nothing."""
    try:
        with open(path, "rb") as f:
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (ValueError, OSError):  # an empty file; a file system that cannot map it
        return None


def _id3v2_size(data):
    """Bytes of the ID3v2 tags at the start (several may follow one another)."""
    pos = 0
    while len(data) >= pos + 10 and data[pos : pos + 3] == b"ID3":
        flags, size = data[pos + 5], data[pos + 6 : pos + 10]
        if any(b & 0x80 for b in size):  # not a syncsafe integer: not a tag
            break
        pos += 10 + (size[0] << 21 | size[1] << 14 | size[2] << 7 | size[3])
        pos += 10 if flags & 0x10 else 0  # a footer
    return pos


def mpeg_frames(path):
    """Samples per channel in the MPEG audio frames of ``path``, or None.

    None where the stream cannot be walked from its first frame to its end: junk between
    frames, free-format bitrates, or a file that is not MPEG audio at all. A Xing/Info
    frame counts as a frame (its samples are silence that decoders skip).

    Parameters
    ----------
    path : str or os.PathLike
        An MP3 (or MP2/MP1) file.

    Returns
    -------
    n : int or None

    Examples
    --------
    >>> import os, tempfile
    >>> from skgenre.io._mpeg import mpeg_frames
    >>> header = bytes([0xFF, 0xFB, 0x90, 0x00])  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz
    >>> frame = header + bytes(417 - 4)  # 144 * 128000 // 44100 bytes
    >>> with tempfile.NamedTemporaryFile(suffix=".mp3", delete=False) as f:
    ...     _ = f.write(frame * 3 + b"TAG" + bytes(125))
    >>> mpeg_frames(f.name)
    3456
    >>> os.remove(f.name)
    """
    data = map_file(path)
    if data is None:
        return None
    with data:
        end = len(data)
        pos = _id3v2_size(data)
        total = 0
        while pos + 4 <= end:
            h = int.from_bytes(data[pos : pos + 4], "big")
            version, layer = h >> 19 & 3, 4 - (h >> 17 & 3)
            rate_index, bitrate_index = h >> 10 & 3, h >> 12 & 15
            if (h >> 21 != 0x7FF or version == 1 or layer == 4 or rate_index == 3
                    or bitrate_index in (0, 15)):
                break
            mpeg1 = version == 3
            bitrate = _BITRATES[mpeg1, layer][bitrate_index] * 1000
            rate = _RATES[version][rate_index]
            padding = h >> 9 & 1
            if layer == 1:
                samples, size = 384, (12 * bitrate // rate + padding) * 4
            else:
                samples = 1152 if layer == 2 or mpeg1 else 576
                size = samples // 8 * bitrate // rate + padding
            total += samples
            pos += size
        if pos < end and not data[pos : pos + 8].startswith(_TRAILERS):
            return None
        return total or None
