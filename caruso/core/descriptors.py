"""Service descriptors: ``services/*.toml`` say which class implements a service and with what settings.

    name = "erp"                                   # the service's name in the registry
    class = "mycompany.erp:ErpService"             # module:Class (or module.Class)
    depends_on = ["storage"]                       # started before this one
    enabled = true                                 # optional, default true
    [when]                                         # optional: only when these config values match
    "server.telephony" = "sip"                     # (a list means "one of": ["sip", "asterisk"])
    [settings]                                     # checked against the class's ``Settings`` dataclass
    base_url = "http://erp.example:8000"

The class is built as ``cls(ctx)`` with a ServiceContext (name, config, typed settings, the service
manager).  Every error names the file and the key.
"""

from __future__ import annotations

import dataclasses
import importlib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from caruso.config import Config
from caruso.core.manager import ServiceManager
from caruso.core.settings import build, to_dict
from caruso.errors import ConfigError, DescriptorError

_KEYS = {"name", "class", "depends_on", "enabled", "when", "settings", "description"}


@dataclass(frozen=True)
class Descriptor:
    file: Path
    name: str
    class_path: str
    depends_on: tuple[str, ...] = ()
    enabled: bool = True
    when: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    def active(self, config: Config) -> bool:
        if not self.enabled:
            return False
        data = to_dict(config)
        for dotted, wanted in self.when.items():
            value: Any = data
            for part in dotted.split("."):
                if not isinstance(value, dict) or part not in value:
                    raise DescriptorError(f"no configuration setting {dotted!r}", file=str(self.file),
                                          key=f"when.{dotted}")
                value = value[part]
            if value != wanted and not (isinstance(wanted, list) and value in wanted):   # a list: one of
                return False
        return True


@dataclass(frozen=True)
class ServiceContext:
    """What a component built from a descriptor receives."""

    name: str
    config: Config
    settings: Any
    services: ServiceManager


def read_descriptor(path: Path) -> Descriptor:
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DescriptorError(f"not valid TOML: {exc}", file=where) from exc
    for key in data:
        if key not in _KEYS:
            raise DescriptorError(f"unknown key; expected one of {', '.join(sorted(_KEYS))}", file=where, key=key)
    for key in ("name", "class"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise DescriptorError("required, a non-empty string", file=where, key=key)
    depends = data.get("depends_on", [])
    if not isinstance(depends, list) or not all(isinstance(d, str) for d in depends):
        raise DescriptorError("expected a list of service names", file=where, key="depends_on")
    if not isinstance(data.get("enabled", True), bool):
        raise DescriptorError("expected true or false", file=where, key="enabled")
    for key in ("when", "settings"):
        if not isinstance(data.get(key, {}), dict):
            raise DescriptorError("expected a table", file=where, key=key)
    return Descriptor(path, data["name"], data["class"], tuple(depends), data.get("enabled", True),
                      data.get("when", {}), data.get("settings", {}), data.get("description", ""))


def read_descriptors(folders: Iterable[Path]) -> list[Descriptor]:
    """Read every ``*.toml`` in *folders*; a later folder's descriptors replace an earlier folder's of the
    same name.  Within one folder several descriptors may share a name as alternatives told apart by their
    ``[when]`` (``telephony-sip.toml`` and ``telephony-asterisk.toml``, both ``telephony``)."""
    found: dict[str, list[Descriptor]] = {}
    for folder in folders:
        here: dict[str, list[Descriptor]] = {}
        for path in sorted(Path(folder).glob("*.toml")):
            desc = read_descriptor(path)
            here.setdefault(desc.name, []).append(desc)
        found.update(here)
    return [desc for group in found.values() for desc in group]


def import_class(desc: Descriptor) -> type:
    module_name, sep, attr = desc.class_path.partition(":")
    if not sep:
        module_name, _, attr = desc.class_path.rpartition(".")
    if not module_name or not attr:
        raise DescriptorError(f"{desc.class_path!r} is not module:Class", file=str(desc.file), key="class")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise DescriptorError(f"cannot import module {module_name!r}: {exc}", file=str(desc.file), key="class") from exc
    try:
        return getattr(module, attr)
    except AttributeError:
        raise DescriptorError(f"module {module_name!r} has no {attr!r}", file=str(desc.file), key="class") from None


def instantiate(desc: Descriptor, config: Config, services: ServiceManager) -> Any:
    cls = import_class(desc)
    settings_cls = getattr(cls, "Settings", None)
    if settings_cls is not None and dataclasses.is_dataclass(settings_cls):
        try:
            settings = build(settings_cls, desc.settings, file=str(desc.file), prefix="settings")
        except ConfigError as exc:
            raise DescriptorError(str(exc).removeprefix(f"{desc.file}: "), file=str(desc.file)) from exc
    elif desc.settings:
        first = next(iter(desc.settings))
        raise DescriptorError(f"{desc.class_path} takes no settings", file=str(desc.file), key=f"settings.{first}")
    else:
        settings = None
    return cls(ServiceContext(desc.name, config, settings, services))


def register_all(descriptors: Iterable[Descriptor], config: Config, services: ServiceManager) -> list[Descriptor]:
    """Build and register every active descriptor's component; returns the ones registered."""
    used = []
    for desc in descriptors:
        if desc.active(config):
            services.register(desc.name, instantiate(desc, config, services), depends_on=desc.depends_on)
            used.append(desc)
    return used
