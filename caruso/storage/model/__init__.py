"""Business-object models: declarations (types), reading model files (parser), value conversion."""

from caruso.storage.model.convert import convert_value
from caruso.storage.model.parser import load_model, model_files, parse_model_text
from caruso.storage.model.types import AttributeDef, IndexDef, Model, ObjectDef, RelationDef

__all__ = ["AttributeDef", "IndexDef", "Model", "ObjectDef", "RelationDef", "convert_value", "load_model",
           "model_files", "parse_model_text"]
