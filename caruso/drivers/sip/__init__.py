"""The embedded SIP driver: pjsua2 media workers behind Kamailio.  See docs/sip.md."""

from caruso.drivers.sip.switch import SipSwitch

__all__ = ["SipSwitch"]
