"""Telephony drivers: implementations of ``caruso.telephony.interface`` (``sip`` embedded, ``asterisk``)."""
