"""The dialog-script engine: XML scripts (DTD-validated) → immutable model → pure interpreter → hosts.

    loader     load_script / load_files: parse (lxml, our DTD, no entities) → build → validate
    model      frozen dataclasses of a script
    expr       the safe expression language (compiled at load time, never eval)
    interpreter  Interpreter.start / step: (state, input) -> (state, effects), no I/O
    repository ScriptRepository service: loads folders, reloads on change, keeps versions
    hosts      drive a run: carry out the effects (mail, storage, services) and feed results back
"""

from caruso.script.errors import ExpressionError, Problem, RunError, ScriptError, ScriptLoadError, ScriptNotFound
from caruso.script.loader import LoadResult, load_files, load_script

__all__ = ["ExpressionError", "LoadResult", "Problem", "RunError", "ScriptError", "ScriptLoadError",
           "ScriptNotFound", "load_files", "load_script"]
