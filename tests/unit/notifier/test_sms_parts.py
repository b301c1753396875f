"""SMS text on the air interface: GSM-7 or UCS-2, segments that never split a character."""

from __future__ import annotations

import pytest

from notifier.sms_parts import (
    DATA_CODING_GSM7,
    DATA_CODING_UCS2,
    ESM_UDHI,
    Concat,
    decode,
    read_header,
    sms_segments,
    split,
)


def reassemble(text: str) -> str:
    segments = split(text, ref=42)
    out = []
    for part in segments.parts:
        concat, body = read_header(segments.esm_class, part)
        if len(segments.parts) > 1:
            assert concat is not None and concat.ref == 42 and concat.total == len(segments.parts)
        out.append(decode(segments.data_coding, body))
    return "".join(out)


def test_latin_sms_is_gsm7_160_per_segment_and_cyrillic_is_ucs2_70():
    assert sms_segments("a" * 160) == ("gsm7", 1)
    assert sms_segments("a" * 161) == ("gsm7", 2)
    assert sms_segments("€" * 80) == ("gsm7", 1)  # extension characters count twice
    assert sms_segments("я" * 70) == ("ucs2", 1)
    assert sms_segments("я" * 71) == ("ucs2", 2)
    assert sms_segments("я" * 135) == ("ucs2", 3)


def test_one_non_gsm_character_makes_the_whole_text_ucs2():
    assert split("Code 123456").data_coding == DATA_CODING_GSM7
    assert split("Код 123456").data_coding == DATA_CODING_UCS2
    assert split("Code 123456 ✓").data_coding == DATA_CODING_UCS2


def test_a_short_text_is_one_segment_without_a_header():
    segments = split("Kabinet code: 123456")
    assert segments.esm_class == 0
    assert segments.parts == [b"Kabinet code: 123456"]  # GSM letters and digits keep their ASCII codes


def test_gsm_specials_map_to_their_code_points():
    assert split("@£$_{€}").parts == [bytes([0x00, 0x01, 0x02, 0x11, 0x1B, 0x28, 0x1B, 0x65, 0x1B, 0x29])]


def test_long_segments_carry_a_concatenation_header_in_order():
    segments = split("x" * 400, ref=7)
    assert segments.esm_class == ESM_UDHI
    assert [p[:6] for p in segments.parts] == [bytes([5, 0, 3, 7, 3, seq]) for seq in (1, 2, 3)]
    assert [len(p) - 6 for p in segments.parts] == [153, 153, 94]


def test_an_escape_pair_is_never_split_between_segments():
    text = "a" * 152 + "€" + "b" * 10  # the euro's two octets would straddle octet 153
    segments = split(text)
    assert len(segments.parts[0]) - 6 == 152
    assert reassemble(text) == text


def test_a_surrogate_pair_is_never_split_between_segments():
    text = "я" * 66 + "😀" + "ж" * 10  # the emoji's four octets would straddle octet 134
    segments = split(text)
    assert len(segments.parts[0]) - 6 == 132
    assert reassemble(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "Ваш код: 123456. Никому его не сообщайте." * 4,
        "Your code [123456] costs 0 € {ok} ~ ^ | \\" * 5,
        "é" * 161,
    ],
)
def test_every_text_reads_back_as_written(text):
    assert reassemble(text) == text


def test_a_16_bit_reference_header_is_read_too():
    concat, body = read_header(ESM_UDHI, bytes([6, 0x08, 4, 0x01, 0x02, 2, 1]) + b"hi")
    assert concat == Concat(0x0102, 2, 1) and body == b"hi"


def test_a_header_longer_than_its_segment_is_refused():
    with pytest.raises(ValueError):
        read_header(ESM_UDHI, bytes([9, 0, 3, 1]))


def test_octets_outside_the_gsm_alphabet_are_refused():
    with pytest.raises(ValueError):
        decode(DATA_CODING_GSM7, bytes([0x80]))
    with pytest.raises(ValueError):
        decode(4, b"binary")
