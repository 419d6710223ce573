"""The ``asterisk`` telephony driver: AMI (events, Originate) and FastAGI (calls), on panoramisk."""

from caruso.drivers.asterisk.call import AsteriskCall
from caruso.drivers.asterisk.switch import AsteriskSwitch

__all__ = ["AsteriskCall", "AsteriskSwitch"]
