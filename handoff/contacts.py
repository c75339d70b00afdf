"""Who a first contact is: the same phone number writing by SMS and on WhatsApp (or an
ambassador's check continued by SMS) is one person in the take-up figures.

Channel addresses are keyed per channel (an HMAC of channel and sender), so an SMS and a
WhatsApp message of one number look like two people. `contact_key` is a keyed hash of the
number alone, normalised, kept next to each address (storage.models.ChannelAddress) and
erased with it: the indicators never see it, nor the number in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import re

NUMBER_CHANNELS = ("sms", "whatsapp")


def normalised_number(channel: str, sender: str) -> str | None:
    """The sender's phone number in E.164 (+33612345678), or None when it is not one."""
    if channel not in NUMBER_CHANNELS:
        return None
    number = re.sub(r"[\s.\-()/]", "", sender.removeprefix("whatsapp:"))
    if number.startswith("00"):
        number = "+" + number[2:]
    if re.fullmatch(r"0[1-9]\d{8}", number):
        number = "+33" + number[1:]
    return number if re.fullmatch(r"\+[1-9]\d{7,14}", number) else None


def contact_key(secret: bytes, channel: str, sender: str) -> str | None:
    number = normalised_number(channel, sender)
    if number is None:
        return None
    return hmac.new(secret, f"contact:{number}".encode(), hashlib.sha256).hexdigest()
