"""Migrating one source text: parse, plan, rewrite the body, then the imports.

Nothing is imported or executed: the source is only parsed (libcst keeps every comment
and all formatting, and the encoding and newline style of the bytes it was given).
A module that imports no legacy module comes back unchanged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper

from .analysis import Resolver
from .imports import rewrite_imports
from .plan import make_plan
from .transformer import BodyTransformer

__all__ = ["IMPORTS_LABEL", "Migration", "migrate_source"]

IMPORTS_LABEL = "legacy imports -> unified / unified.compat"


@dataclass
class Migration:
    """The result of migrating one source: the new bytes, the rewrites applied (by
    label) and the review comments added (their messages, in order)."""

    source: bytes
    code: bytes
    rewrites: Counter[str] = field(default_factory=Counter)
    reviews: list[str] = field(default_factory=list)
    encoding: str = "utf-8"

    @property
    def changed(self) -> bool:
        """Whether the migrated code differs from the source."""
        return self.code != self.source


def migrate_source(source: bytes | str) -> Migration:
    """Migrate one module's source (raises ``libcst.ParserSyntaxError`` when it does
    not parse)."""
    raw = source.encode("utf-8") if isinstance(source, str) else source
    resolver = Resolver(MetadataWrapper(cst.parse_module(raw)))
    if not resolver.sites:
        return Migration(raw, raw, encoding=resolver.module.encoding)
    plan = make_plan(resolver)
    body = BodyTransformer(plan, resolver)
    module = resolver.module.visit(body)
    result = Migration(raw, raw, Counter(body.rewrites), list(body.reviews),
                       resolver.module.encoding)
    if result.rewrites or result.reviews or any(map(resolver.import_pending, resolver.sites)):
        before = module.code
        imports = rewrite_imports(module, needed=body.needed, unified_names=plan.unified_names,
                                  dspy=body.needs_dspy)
        module = imports.module
        if module.code != before and imports.rewritten:
            result.rewrites[IMPORTS_LABEL] += imports.rewritten
        result.reviews += imports.reviews
    result.code = module.bytes
    return result
