"""Privacy: erasure on request, retention, subject-access export, and the audit of who saw or changed
customer data.  See docs/privacy.md.

Everything here uses the storage manager's API and the repositories in ``caruso/storage/privacy_*``.
"""

from caruso.privacy.errors import PrivacyError, SubjectNotFound
from caruso.privacy.model import HeldItem, Identity, RetentionCounts, RetentionCutoffs

__all__ = ["HeldItem", "Identity", "PrivacyError", "RetentionCounts", "RetentionCutoffs", "SubjectNotFound"]
