"""Save-time checks of one template: syntax, the sandbox's rules, names, and a trial render.

Every problem comes with its line and column. The trial render runs against a contact
that has nothing optional (``context.sample_context``), so an unguarded value that some
contacts lack is refused here rather than failing later for those contacts.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from typing import Any

from jinja2 import meta, nodes
from jinja2.exceptions import TemplateSyntaxError

from cadence.messages.positions import (
    Problem,
    SyntaxProblem,
    Tok,
    normalise,
    parse,
    quoted_name,
    template_line,
    token_column,
)
from cadence.messages.sandbox import HELPERS, environment

_LOADING = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)


def check_template(
    source: str, *, html: bool, names: Collection[str], sample: Mapping[str, Any]
) -> list[Problem]:
    """Every problem in a template (empty when it can be saved), in reading order."""
    env = environment(html=html)
    source = normalise(source)
    try:
        tree, tokens = parse(env, source)
    except SyntaxProblem as failure:
        return [failure.problem]
    problems = _sandbox_rules(tree, tokens)
    try:
        env.compile(tree)  # unknown filters and tests are found while compiling
    except TemplateSyntaxError as error:
        line = error.lineno
        problems.append(
            Problem(line, token_column(tokens, line, quoted_name(str(error))), str(error))
        )
    if not problems:
        problems += _unknown_names(tree, tokens, names)
    if not problems:
        problems += _trial_render(env, tree, tokens, sample)
    return sorted(problems, key=lambda p: (p.line, p.column))


def _at(tokens: list[Tok], node: nodes.Node, message: str, *values: object) -> Problem:
    return Problem(node.lineno, token_column(tokens, node.lineno, *values), message)


def _sandbox_rules(tree: nodes.Template, tokens: list[Tok]) -> list[Problem]:
    """What the sandbox would refuse at render time, refused for every branch at once."""
    problems: list[Problem] = []
    for node in tree.find_all(_LOADING):
        keyword = type(node).__name__.lower().replace("fromimport", "from")
        problems.append(
            _at(tokens, node, "templates cannot include, import or extend others", keyword)
        )
    for modifier in tree.find_all(nodes.EvalContextModifier):
        problems.append(_at(tokens, modifier, "autoescape cannot be switched off", "autoescape"))
    for getattr_node in tree.find_all(nodes.Getattr):
        if getattr_node.attr.startswith("_"):
            message = f"{getattr_node.attr!r}: names starting with _ cannot be read"
            problems.append(_at(tokens, getattr_node, message, getattr_node.attr))
        elif isinstance(getattr_node.node, nodes.Const):
            message = f"{getattr_node.attr!r}: literal values have no fields or methods"
            problems.append(_at(tokens, getattr_node, message, getattr_node.attr))
    for call in tree.find_all(nodes.Call):
        target = call.node
        loop_method = (
            isinstance(target, nodes.Getattr)
            and isinstance(target.node, nodes.Name)
            and target.node.name == "loop"
        )
        if not isinstance(target, nodes.Name) and not loop_method:
            name = target.attr if isinstance(target, nodes.Getattr) else "("
            message = "only first_name() and the template's own macros can be called"
            problems.append(_at(tokens, call, message, name))
    for name_node in tree.find_all(nodes.Name):
        if name_node.name == "self":
            problems.append(_at(tokens, name_node, "'self' is not available", "self"))
    return problems


def _unknown_names(
    tree: nodes.Template, tokens: list[Tok], names: Collection[str]
) -> list[Problem]:
    known = sorted({*names, *HELPERS})
    problems: list[Problem] = []
    for name in sorted(meta.find_undeclared_variables(tree) - set(known)):
        node = next(n for n in tree.find_all(nodes.Name) if n.name == name)
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        message = f"unknown variable {name!r}; {hint}templates see {', '.join(known)}"
        problems.append(_at(tokens, node, message, name))
    return problems


def _trial_render(
    env: Any, tree: nodes.Template, tokens: list[Tok], sample: Mapping[str, Any]
) -> list[Problem]:
    template = env.from_string(tree)
    try:
        template.render(sample)
    except Exception as error:  # user code: every failure becomes a problem to report
        line = template_line(error) or 1
        message = str(error) or type(error).__name__
        return [Problem(line, token_column(tokens, line, quoted_name(message)), message)]
    return []
