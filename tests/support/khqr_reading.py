"""Reading a KHQR without the package that wrote it: EMVCo TLV fields and their CRC.

The code is parsed here as EMVCo TLV and its CRC computed here (CRC-16/CCITT-FALSE), so a
mistake shared by the package and the connector cannot hide.
"""


def tlv(payload):
    """EMVCo top-level fields: two-digit tag, two-digit length, value; in order, no repeats."""
    fields, i = {}, 0
    while i < len(payload):
        tag, length = payload[i : i + 2], int(payload[i + 2 : i + 4])
        assert tag not in fields, f"tag {tag} twice"
        fields[tag] = payload[i + 4 : i + 4 + length]
        assert len(fields[tag]) == length, f"tag {tag} runs past the end"
        i += 4 + length
    return fields


def crc16_ccitt_false(data):
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR."""
    crc = 0xFFFF
    for byte in data.encode():
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1) & 0xFFFF
    return crc


def read_khqr(qr):
    """The fields of a KHQR, once its CRC (computed over everything up to and including "6304") is right."""
    assert qr[-8:-4] == "6304", "the CRC is not the last field"
    assert int(qr[-4:], 16) == crc16_ccitt_false(qr[:-4]), "wrong CRC"
    fields = tlv(qr)
    return {**fields, "29": tlv(fields["29"]), "62": tlv(fields["62"]), "99": tlv(fields["99"])}
