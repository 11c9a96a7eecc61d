"""Keep the C decoders' own messages off the user's terminal.

libsndfile decodes MP3 with libmpg123, which writes notes such as ``Note: Illegal
Audio-MPEG-Header 0x00000000 at offset 1846.`` straight to the C ``stderr`` (file
descriptor 2) while it probes a file that is not MP3 (text or garbage named ``.mp3``).
skgenre's own error already names the file and the cause, so these notes are dropped
(through :func:`skgenre.utils._stderr.fd2_filtered`); everything else written meanwhile is
written out after the decode.
"""

import re

from ..utils._stderr import fd2_filtered

__all__ = ["decoder_stderr_filtered"]

# libmpg123's messages: "Note: ..." (its resync chatter), its warnings about a stream's
# length and makeup, and "[src/libmpg123/parse.c:1234] error: ..." in builds that prefix the
# source position. Only these: descriptor 2 is the whole process's, so a line that another
# thread writes meanwhile ("Error: disk full") must come out.
_NOISE = re.compile(
    rb"Note: |Warning: (?:Xing stream size|Encountered more data|Real sample count|Big change)"
    rb"|\[[^\]]*(?:mpg123|\.c:\d+)[^\]]*\]"
)


def _drop_decoder_notes(data):
    return b"".join(line for line in data.splitlines(keepends=True) if not _NOISE.match(line))


def decoder_stderr_filtered():
    """Hide libmpg123's notes written to descriptor 2 during the ``with`` block.

    Examples
    --------
    >>> from skgenre.io._decoder_noise import decoder_stderr_filtered
    >>> with decoder_stderr_filtered():
    ...     pass
    """
    return fd2_filtered(_drop_decoder_notes)
