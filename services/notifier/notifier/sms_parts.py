"""SMS text on the air interface: GSM 03.38 7-bit or UCS-2, split into concatenated segments.

Pure: used to count segments (`sms_segments`), by the SMPP adapter to build `submit_sm`
payloads, and by the development SMSC to read them back. A text of GSM characters only goes
as the default alphabet (`data_coding` 0, one septet per octet as SMPP carries it: 160 in one
SMS, 153 per segment of a longer one); any other character makes the whole text UCS-2
(`data_coding` 8: 70 characters, 67 per segment; Cyrillic is always UCS-2). A longer text is
cut into segments that each start with a concatenation header (UDH `00 03 ref total seq`)
and never split an escape pair (`€`, `[` …) or a surrogate pair (emoji) between two segments.
"""

from __future__ import annotations

from dataclasses import dataclass

# GSM 03.38 default alphabet in code order; 0x1B is the escape to the extension table
GSM7_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = {"\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F, "[": 0x3C, "~": 0x3D, "]": 0x3E,
                  "|": 0x40, "€": 0x65}  # fmt: skip
ESCAPE = 0x1B
_GSM7_CODE = {ch: code for code, ch in enumerate(GSM7_TABLE) if code != ESCAPE}
_GSM7_EXT_CHAR = {code: ch for ch, code in GSM7_EXTENSION.items()}

DATA_CODING_GSM7 = 0  # the SMSC default alphabet
DATA_CODING_LATIN1 = 3
DATA_CODING_UCS2 = 8
ESM_UDHI = 0x40  # esm_class bit: the short message starts with a user data header
_LIMITS = {DATA_CODING_GSM7: (160, 153), DATA_CODING_UCS2: (140, 134)}  # octets: single, per segment


@dataclass(frozen=True)
class Segments:
    """A text ready for `submit_sm`: its data coding, esm_class and each segment's octets."""

    data_coding: int
    esm_class: int
    parts: list[bytes]

    @property
    def encoding(self) -> str:
        """`gsm7` or `ucs2`."""
        return "gsm7" if self.data_coding == DATA_CODING_GSM7 else "ucs2"


@dataclass(frozen=True)
class Concat:
    """Where a segment belongs: reference number, how many segments, this one's place (from 1)."""

    ref: int
    total: int
    seq: int


def _units(text: str) -> tuple[int, list[bytes]]:
    """The data coding and each character's octets (one or two in GSM, two or four in UCS-2)."""
    if all(ch in _GSM7_CODE or ch in GSM7_EXTENSION for ch in text):
        gsm = [
            bytes((_GSM7_CODE[ch],)) if ch in _GSM7_CODE else bytes((ESCAPE, GSM7_EXTENSION[ch]))
            for ch in text
        ]
        return DATA_CODING_GSM7, gsm
    return DATA_CODING_UCS2, [ch.encode("utf-16-be") for ch in text]


def split(text: str, ref: int = 0) -> Segments:
    """The segments of `text`; `ref` (0–255) ties a long text's segments together."""
    coding, units = _units(text)
    single, per_segment = _LIMITS[coding]
    if sum(map(len, units)) <= single:
        return Segments(coding, 0, [b"".join(units)])
    chunks: list[bytes] = []
    current = b""
    for unit in units:
        if len(current) + len(unit) > per_segment:
            chunks.append(current)
            current = b""
        current += unit
    chunks.append(current)
    if len(chunks) > 255:
        raise ValueError(f"an SMS of {len(chunks)} segments is too long (255 at most)")
    header = bytes((5, 0x00, 3, ref & 0xFF, len(chunks)))
    return Segments(coding, ESM_UDHI, [header + bytes((seq,)) + chunk for seq, chunk in enumerate(chunks, 1)])


def sms_segments(text: str) -> tuple[str, int]:
    """Encoding (`gsm7` or `ucs2`) and number of SMS segments: Cyrillic is UCS-2, 70 chars each."""
    segments = split(text)
    return segments.encoding, len(segments.parts)


def read_header(esm_class: int, octets: bytes) -> tuple[Concat | None, bytes]:
    """A segment's concatenation header (8- or 16-bit reference), if any, and its text octets.

    Raises `ValueError` for a header that claims more octets than the segment has."""
    if not esm_class & ESM_UDHI or not octets:
        return None, octets
    length = octets[0]
    header, body = octets[1 : 1 + length], octets[1 + length :]
    if len(header) < length:
        raise ValueError("the user data header is longer than the message")
    concat, i = None, 0
    while i + 2 <= len(header):
        iei, size = header[i], header[i + 1]
        value = header[i + 2 : i + 2 + size]
        if iei == 0x00 and size == 3:
            concat = Concat(value[0], value[1], value[2])
        elif iei == 0x08 and size == 4:
            concat = Concat(int.from_bytes(value[:2], "big"), value[2], value[3])
        i += 2 + size
    return concat, body


def decode(data_coding: int, octets: bytes) -> str:
    """The text of a segment's octets (after any header); `ValueError` for what is not text."""
    if data_coding == DATA_CODING_UCS2:
        return octets.decode("utf-16-be")
    if data_coding == DATA_CODING_LATIN1:
        return octets.decode("latin-1")
    if data_coding != DATA_CODING_GSM7:
        raise ValueError(f"data_coding {data_coding} is not supported")
    out, escaped = [], False
    for code in octets:
        if escaped:
            out.append(_GSM7_EXT_CHAR.get(code, " "))  # an unknown extension reads as a space
            escaped = False
        elif code == ESCAPE:
            escaped = True
        elif code < 0x80:
            out.append(GSM7_TABLE[code])
        else:
            raise ValueError(f"octet {code:#x} is not a GSM 7-bit character")
    return "".join(out)
