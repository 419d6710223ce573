"""The script expression language: a small, safe language compiled at load time (never eval/exec).

    customer.balance > 100 and not (answers.reason in ['meter', 'tariff'])
    days_between(contract.start, today()) >= 365
    upper(trim(name)) + ' (' + str(count) + ')'

``compile_expression(text, names)`` returns an Expression: a Python closure tree plus the names it
reads.  Compile errors are ExpressionError with the offset of the bad token.
"""

from caruso.script.expr.compiler import Expression, Scope, compile_expression, compile_template, Template
from caruso.script.expr.functions import FUNCTIONS

__all__ = ["Expression", "Scope", "Template", "FUNCTIONS", "compile_expression", "compile_template"]
