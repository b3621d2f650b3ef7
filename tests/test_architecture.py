"""Architecture rules, read from the source with `ast` (nothing is imported):

- no import cycle between the project's modules (config, enterprises, tickets; not migrations);
- no module over MAX_LINES lines without saying why at its top;
- the API reuses the pages' forms, actions and downloads, never a page module itself.

How an import becomes an edge of the module graph:
- every `import` and `from … import` counts, at module level and inside functions and classes,
  except those under `if TYPE_CHECKING:` (they never run, and are how annotations name a type
  from a module that imports this one);
- relative imports are resolved against the importing module's package;
- `from pkg import name` depends on `pkg.name` when that is a module, else on `pkg`;
- an import of `a.b.c` depends on `a.b.c` only, not on the `__init__` of `a` and `a.b`. Python
  does run those first, but a package's `__init__` that re-exports its submodules
  (tickets.models, tickets.services…) would otherwise put every submodule that imports a
  sibling by its full name in a cycle with its own package. What those `__init__`s import is
  still in the graph, as their own edges: `from tickets import services` depends on
  tickets.services (the `__init__`), and that on each module it re-exports.
"""

import ast
import textwrap
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "enterprises", "tickets")

# A module longer than this says at its top why it is not split.
MAX_LINES = 400
LONG_REASON = "Why this is long:"
# Every project .py file is held to it, scripts included (not migrations, not tests).
LENGTH_CHECKED = (*PACKAGES, "bench", "manage.py")
# Known to be over the limit without a reason, to be split or justified (then removed from here).
KNOWN_LONG: set[str] = set()

# What tickets.api may import of tickets.web: the pages' forms and actions (one validation, one
# dispatch for both) and the file responses. Anything else there is a page.
# Forms modules, not pages: the API validates its input with the pages' forms.
API_MAY_IMPORT_FROM_WEB = {
    "tickets.web.forms", "tickets.web.report_form", "tickets.web.request_forms", "tickets.web.call_forms", "tickets.web.actions",
    "tickets.web.downloads",
}  # fmt: skip
# Known imports of a page module by the API, to be moved out (then removed from here).
KNOWN_API_PAGE_IMPORTS: set[tuple[str, str]] = set()


# --------------------------------------------------------------------------------------------
# reading the source
# --------------------------------------------------------------------------------------------


def python_files(root: Path, names: Iterable[str]) -> Iterator[Path]:
    """The .py files of the packages (or single files) `names` under `root`, without migrations."""
    for name in names:
        path = root / name
        files = [path] if path.suffix == ".py" else sorted(path.rglob("*.py"))
        for file in files:
            if "migrations" not in file.relative_to(root).parts:
                yield file


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules(root: Path, packages: Iterable[str] = PACKAGES) -> dict[str, Path]:
    return {module_name(root, path): path for path in python_files(root, packages)}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST, *, skip_type_checking: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement of the tree, however deeply nested; with `skip_type_checking`, not
    those in the body of an `if TYPE_CHECKING:` (its `else:` still runs, and counts)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        if skip_type_checking and isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def imports_of(module: str, path: Path, modules: dict[str, Path], *, skip_type_checking: bool = True) -> set[str]:
    """The project modules that `module` (the file `path`) imports, as the module docstring says."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in _import_nodes(tree, skip_type_checking=skip_type_checking):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".") if package else []
            anchor = anchor[: len(anchor) - (node.level - 1)] if node.level > 1 else anchor
            base = ".".join([*anchor, *([node.module] if node.module else [])])
        for alias in node.names:
            if f"{base}.{alias.name}" in modules:
                found.add(f"{base}.{alias.name}")
            elif base in modules:
                found.add(base)
    found.discard(module)
    return found


def import_graph(root: Path, packages: Iterable[str] = PACKAGES, *, skip_type_checking: bool = True) -> dict[str, set[str]]:
    modules = project_modules(root, packages)
    return {name: imports_of(name, path, modules, skip_type_checking=skip_type_checking) for name, path in modules.items()}


# --------------------------------------------------------------------------------------------
# cycles
# --------------------------------------------------------------------------------------------


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.get(successor, ())))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
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
                    components.append(sorted(component))
    return components


def a_cycle_through(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One concrete cycle in a strongly connected component: its first module back to itself,
    by a shortest path (breadth first)."""
    members = set(component)
    start = component[0]
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for successor in sorted(graph[node] & members):
                if successor == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if successor not in came_from:
                    came_from[successor] = node
                    following.append(successor)
        frontier = following
    raise AssertionError(f"not a cycle: {component}")


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module."""
    return [a_cycle_through(graph, component) for component in strongly_connected(graph) if len(component) > 1]


def describe(cycles: list[list[str]]) -> str:
    return "\n".join(" -> ".join(cycle) for cycle in cycles)


# --------------------------------------------------------------------------------------------
# the rules
# --------------------------------------------------------------------------------------------


def test_the_project_has_no_import_cycle():
    graph = import_graph(ROOT)
    assert len(graph) > 50, "the module graph is implausibly small: is ROOT right?"
    cycles = import_cycles(graph)
    assert not cycles, "import cycles (function-level imports count; `if TYPE_CHECKING:` ones do not):\n" + describe(cycles)


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_the_cycle_check_finds_a_cycle(tmp_path):
    """The checker, on a package small enough to know the answer: a -> b at module level, b -> c
    relatively, c -> a inside a function; d imports a only under TYPE_CHECKING; e imports
    `pkg.sub` through the package (`from pkg import sub`), and sub imports e back."""
    _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "import pkg.b\nfrom pkg.d import thing\n",
            "pkg/b.py": "from . import c\n",
            "pkg/c.py": "def later():\n    from .a import x\n    return x\n",
            "pkg/d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import A\nthing = 1\n",
            "pkg/e.py": "from pkg import sub\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/f.py": "from ..e import sub\n",
            "pkg/migrations/__init__.py": "from pkg import a\n",
        },
    )
    graph = import_graph(tmp_path, ["pkg"])
    assert "pkg.migrations" not in graph
    assert graph["pkg.a"] == {"pkg.b", "pkg.d"}
    assert graph["pkg.b"] == {"pkg.c"}
    assert graph["pkg.c"] == {"pkg.a"}
    assert graph["pkg.d"] == set()
    assert graph["pkg.e"] == {"pkg.sub"}
    assert graph["pkg.sub.f"] == {"pkg.e"}
    assert import_cycles(graph) == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]]
    assert describe(import_cycles(graph)) == "pkg.a -> pkg.b -> pkg.c -> pkg.a"

    # The package's __init__ re-exporting sub.f closes a second cycle: e -> sub -> sub.f -> e.
    _write(tmp_path, {"pkg/sub/__init__.py": "from .f import sub\n"})
    cycles = import_cycles(import_graph(tmp_path, ["pkg"]))
    assert ["pkg.e", "pkg.sub", "pkg.sub.f", "pkg.e"] in cycles and len(cycles) == 2

    # Without the function-level import, no cycle is left in a, b, c.
    _write(tmp_path, {"pkg/c.py": "def later():\n    return None\n", "pkg/sub/__init__.py": ""})
    assert import_cycles(import_graph(tmp_path, ["pkg"])) == []


def long_modules_without_reason(root: Path, names: Iterable[str] = LENGTH_CHECKED) -> set[str]:
    """Files over MAX_LINES lines whose module docstring has no line starting with LONG_REASON."""
    found = set()
    for path in python_files(root, names):
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) <= MAX_LINES:
            continue
        docstring = ast.get_docstring(ast.parse(text)) or ""
        if not any(line.strip().startswith(LONG_REASON) for line in docstring.splitlines()):
            found.add(path.relative_to(root).as_posix())
    return found


def test_long_modules_say_why_they_are_long():
    found = long_modules_without_reason(ROOT)
    new = found - KNOWN_LONG
    assert not new, (
        f"over {MAX_LINES} lines without a line starting {LONG_REASON!r} in the module docstring "
        f"(split the module, or say why it is one): {sorted(new)}"
    )
    stale = KNOWN_LONG - found
    assert not stale, f"now short or justified; remove from KNOWN_LONG: {sorted(stale)}"


def test_the_length_check_reads_the_docstring(tmp_path):
    long_body = "x = 1\n" * MAX_LINES
    _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/short.py": '"""Short."""\n',
            "pkg/long.py": '"""Long."""\n' + long_body,
            "pkg/justified.py": f'"""Long.\n\n{LONG_REASON} one table of facts, read top to bottom.\n"""\n' + long_body,
            "pkg/migrations/0001_initial.py": long_body,
        },
    )
    assert long_modules_without_reason(tmp_path, ["pkg"]) == {"pkg/long.py"}


def api_page_imports(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    """(API module, tickets.web module) for each import of the pages' package beyond what the API
    may use, direct or through a module it may use."""
    found = set()
    for module, imported in graph.items():
        if module != "tickets.api" and not module.startswith("tickets.api."):
            continue
        reachable, seen = set(), set()
        frontier = {name for name in imported if name.startswith("tickets.web")}
        while frontier:
            name = frontier.pop()
            if name in seen:
                continue
            seen.add(name)
            if name in API_MAY_IMPORT_FROM_WEB:
                frontier |= {n for n in graph.get(name, ()) if n.startswith("tickets.web")}
            elif name != "tickets.web":
                reachable.add(name)
        found |= {(module, name) for name in reachable}
    return found


def test_the_api_imports_no_page_module():
    # TYPE_CHECKING imports count here: the API should not know the pages, even for a type.
    found = api_page_imports(import_graph(ROOT, skip_type_checking=False))
    new = found - KNOWN_API_PAGE_IMPORTS
    assert not new, (
        f"tickets.api may import only {sorted(API_MAY_IMPORT_FROM_WEB)} of tickets.web (move what it needs there): {sorted(new)}"
    )
    stale = KNOWN_API_PAGE_IMPORTS - found
    assert not stale, f"no longer imported; remove from KNOWN_API_PAGE_IMPORTS: {sorted(stale)}"


def test_the_api_rule_sees_indirect_page_imports():
    graph = {
        "tickets.api.a": {"tickets.web.forms", "tickets.services"},
        "tickets.api.b": {"tickets.web.actions"},
        "tickets.web.forms": {"tickets.models"},
        "tickets.web.actions": {"tickets.web.forms", "tickets.web.tickets"},
        "tickets.web.tickets": {"tickets.web.forms"},
        "tickets.web.reports": set(),
    }
    assert api_page_imports(graph) == {("tickets.api.b", "tickets.web.tickets")}
    graph["tickets.api.a"].add("tickets.web.reports")
    assert api_page_imports(graph) == {("tickets.api.a", "tickets.web.reports"), ("tickets.api.b", "tickets.web.tickets")}
