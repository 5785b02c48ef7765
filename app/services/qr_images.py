"""QR codes as images: inline SVG for pages (no image file), PNG for saving to a phone's photos."""

import io

import qrcode
import qrcode.image.pure
import qrcode.image.svg


def _code(text, factory, box_size=10):
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=box_size, image_factory=factory
    )
    code.add_data(text)
    code.make(fit=True)
    return code.make_image()


def svg(text):
    """`text` as an inline SVG QR code."""
    return _code(text, qrcode.image.svg.SvgPathImage).to_string(encoding="unicode").split("?>", 1)[-1].strip()


def png(text):
    """`text` as a PNG QR code, large enough for another phone's camera and a bank app's scanner."""
    out = io.BytesIO()
    _code(text, qrcode.image.pure.PyPNGImage, box_size=8).save(out)
    return out.getvalue()
