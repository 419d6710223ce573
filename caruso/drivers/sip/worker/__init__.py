"""The media worker: one process running pjsua2 within its stock limits (4 calls), driven over the IPC.

Start with ``python -m caruso.drivers.sip.worker --socket PATH --name w1 --sip-port 5070 ...``; the
supervisor (``caruso.drivers.sip.pool``) does this.  Only this package imports pjsua2.
"""
