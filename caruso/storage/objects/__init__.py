"""Business objects over the database: the repository (API), tables from the model, live-table checks."""

from caruso.storage.objects.repository import BusinessObjects
from caruso.storage.objects.values import BusinessObject

__all__ = ["BusinessObject", "BusinessObjects"]
