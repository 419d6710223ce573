"""Where the admin-editable folders shipped with Caruso live.

In a source checkout (or an editable install) they sit beside the ``caruso``
package; in a wheel they are installed as ``caruso/_data/<name>``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
SHIPPED = ("scripts_xml", "dtd", "services", "storage", "monitor")


def shipped(name: str) -> Path:
    """Return the folder *name* (one of SHIPPED) of this installation."""
    if name not in SHIPPED:
        raise ValueError(f"unknown shipped folder {name!r}; expected one of {', '.join(SHIPPED)}")
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    checkout = _PACKAGE.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"Caruso's {name}/ folder is missing (looked in {installed} and {checkout})")


def dtd(filename: str) -> Path:
    return shipped("dtd") / filename
