"""Message templates: Django template syntax, restricted to what a message needs.

Staff write texts with `{{ variable }}`, a few filters and `{% if %}`; nothing that loads, includes
or reaches other objects. `template_problems` parses a text and walks its nodes, so an unknown
variable, tag or filter is refused when the template is saved, not discovered while sending.
Texts render as plain text (SMS, email body, inbox): the cabinet escapes them when it shows them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any

from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.base import FilterExpression, Node, TextNode, Variable, VariableNode
from django.template.defaulttags import CommentNode, IfNode

ALLOWED_FILTERS = frozenset(
    {"default", "default_if_none", "upper", "lower", "capfirst", "title", "truncatechars", "yesno", "pluralize"}
)
ALLOWED_NODES = (TextNode, VariableNode, IfNode, CommentNode)


@lru_cache(maxsize=1)
def message_engine() -> Engine:
    """An engine with only the built-in tags and filters and no loaders; autoescape is off for plain text."""
    return Engine(
        builtins=["django.template.defaulttags", "django.template.defaultfilters"], autoescape=False, loaders=[]
    )


def _condition_expressions(condition: Any) -> Iterator[FilterExpression]:
    """The FilterExpressions of an `{% if %}` condition tree (smartif literals and operators)."""
    if condition is None:
        return
    value = getattr(condition, "value", None)
    if isinstance(value, FilterExpression):
        yield value
    for side in ("first", "second"):
        operand = getattr(condition, side, None)
        if operand is not None:
            yield from _condition_expressions(operand)


def _expression_names(expression: FilterExpression, problems: list[str]) -> Iterator[str]:
    candidates: list[Any] = [expression.var]
    for function, arguments in expression.filters:
        name = getattr(function, "_filter_name", None) or function.__name__
        if name not in ALLOWED_FILTERS:
            problems.append(f"filter “{name}” is not allowed (allowed: {', '.join(sorted(ALLOWED_FILTERS))})")
        candidates.extend(argument for _lookup, argument in arguments)
    for candidate in candidates:
        if isinstance(candidate, Variable) and candidate.lookups is not None:
            yield candidate.var


def _walk(nodes: Iterable[Node], problems: list[str]) -> Iterator[str]:
    for node in nodes:
        if not isinstance(node, ALLOWED_NODES):
            token = getattr(node, "token", None)
            label = token.contents.split()[0] if token is not None else type(node).__name__
            problems.append(f"tag “{label}” is not allowed (only if / elif / else and comments)")
            continue
        if isinstance(node, TextNode) and any(mark in node.s for mark in ("{{", "}}", "{%", "%}")):
            problems.append(f"template syntax: an unclosed or stray tag or variable near “{node.s.strip()[:40]}”")
        elif isinstance(node, VariableNode):
            yield from _expression_names(node.filter_expression, problems)
        elif isinstance(node, IfNode):
            for condition, nodelist in node.conditions_nodelists:
                for expression in _condition_expressions(condition):
                    yield from _expression_names(expression, problems)
                yield from _walk(nodelist, problems)


def template_variables(text: str) -> tuple[set[str], list[str]]:
    """The variable names a template text uses, and the problems found (syntax, tags, filters)."""
    problems: list[str] = []
    try:
        template = message_engine().from_string(text)
    except TemplateSyntaxError as error:
        return set(), [f"template syntax: {error}"]
    names = set(_walk(template.nodelist, problems))
    return names, problems


def template_problems(text: str, *, allowed: Iterable[str]) -> list[str]:
    """Why `text` cannot be a message template with these variables; an empty list when it can."""
    names, problems = template_variables(text)
    unknown = sorted(names - set(allowed))
    if unknown:
        problems.append(
            f"unknown variable(s): {', '.join(unknown)}; this kind allows: {', '.join(sorted(allowed)) or 'none'}"
        )
    return problems


@lru_cache(maxsize=512)
def compiled(text: str) -> Template:
    """Parse once per text: a dispatch batch renders the same few templates thousands of times."""
    return message_engine().from_string(text)


def render_text(text: str, variables: Mapping[str, Any]) -> str:
    return compiled(text).render(Context(dict(variables), autoescape=False)).strip()


def display_value(value: Any, *, is_date: bool) -> Any:
    """Dates as the person reads them in every supported language: DD.MM.YYYY."""
    if is_date and value:
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError:
                return value
        if isinstance(value, datetime.date):
            return value.strftime("%d.%m.%Y")
    return value
