"""An import-linter contract type: no import cycle between any two modules of the given packages.

import-linter's own ``acyclic_siblings`` works on packages: it also refuses a service package and
a tasks module that import each other through different modules (which docs/architecture.md
allows: services import the task they queue, tasks import the module that does the work). This
contract looks at modules, so it fails exactly when some module, through its imports, imports itself.
"""

from __future__ import annotations

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def _strongly_connected(nodes: set[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (import graphs are deep); components of two or more modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


class AcyclicModulesContract(Contract):
    type_name = "acyclic_modules"

    packages = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        roots = tuple(self.packages)  # type: ignore[arg-type]
        nodes = {m for m in graph.modules if m in roots or m.startswith(tuple(r + "." for r in roots))}
        edges = {m: graph.find_modules_directly_imported_by(m) & nodes for m in nodes}
        cycles = []
        for component in _strongly_connected(nodes, edges):
            first, second = component[0], sorted(edges[component[0]] & set(component))[0]
            there = graph.find_shortest_chain(importer=first, imported=second) or (first, second)
            back = graph.find_shortest_chain(importer=second, imported=first) or (second, first)
            cycles.append({"modules": component, "cycle": [*there, *back[1:]]})
        return ContractCheck(kept=not cycles, metadata={"cycles": cycles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print_error(f"Import cycle among {len(cycle['modules'])} modules:")
            output.indent_cursor()
            output.print_error(" -> ".join(cycle["cycle"]))
            output.new_line()
