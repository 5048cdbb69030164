"""JUnit XML of a parity run: one test case per (scenario, implementation)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

__all__ = ["write_junit"]


def write_junit(run: Any, path: Path, selection: dict[str, Any] | None = None) -> Path:
    """Write ``parity-junit.xml``: FAILs are failures, everything else passes; a
    filtered run's filter is a ``<property>`` of the suite."""
    cases = [(s, r) for s in run.scenarios for r in s.results]
    failures = sum(r.status == "FAIL" for _, r in cases)
    suite = ET.Element("testsuite", name="parity", tests=str(len(cases)),
                       failures=str(failures), errors="0", time=f"{run.wall_time:.3f}")
    if selection:
        properties = ET.SubElement(suite, "properties")
        for name in ("description", "filter", "matched", "total"):
            ET.SubElement(properties, "property", name=f"selection.{name}",
                          value=str(selection.get(name, "")))
    for scenario, result in cases:
        wall = result.observation.get("wall_time", 0.0) if result.observation else 0.0
        case = ET.SubElement(suite, "testcase", classname=f"parity.{scenario.pattern}",
                             name=f"{scenario.scenario}[{result.implementation}]",
                             time=f"{wall:.3f}")
        if result.status == "FAIL":
            detail = "\n".join([*result.problems,
                                *(f"{k}: {v}" for k, v in result.diffs.items())])
            failure = ET.SubElement(case, "failure", message=f"{result.status}")
            failure.text = detail
        else:
            ET.SubElement(case, "system-out").text = result.status + (
                f" ({', '.join(result.cited)})" if result.cited else "")
    tree = ET.ElementTree(suite)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path
