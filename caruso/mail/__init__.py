"""The mailer service (key MAILER): sends e-mail over SMTP (aiosmtplib) with the [mail] settings."""

from caruso.mail.errors import MailError
from caruso.mail.message import build_message
from caruso.mail.service import MailerService

__all__ = ["MailError", "MailerService", "build_message"]
