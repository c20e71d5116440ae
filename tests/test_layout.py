"""The package layout: no import cycle (hidden ones included), arrows one way, names that say where they live.

Imports are read from the source with ``ast``: top-level imports, imports inside functions
and ``TYPE_CHECKING`` blocks, and ``importlib.import_module("kg_builder…")`` strings all count,
because a cycle hidden in a function is still a cycle (it only fails later, at run time).
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "kg_builder"
# Package data folders mapped into kg_builder by pyproject's package-dir (no code in them).
DATA_PACKAGES = {"kg_builder.ontology": ROOT / "ontology", "kg_builder.shapes": ROOT / "shapes",
                 "kg_builder.queries": ROOT / "queries"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The kg_builder module ``name`` refers to (an attribute of a module resolves to the module)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _absolute(module: str, is_package: bool, level: int, target: str | None) -> str:
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, target] if target else base)


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every kg_builder module ``module`` imports, wherever the import statement sits."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = (_absolute(module, path.name == "__init__.py", node.level, node.module)
                      if node.level else node.module or "")
            names = [f"{source}.{alias.name}" for alias in node.names]
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            names = [node.args[0].value]
        for name in names:
            if name.split(".")[0] == "kg_builder" and (target := _resolve(name, modules)) and target != module:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` (as a path that returns to its start), or None."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_graph_reader_sees_hidden_imports(tmp_path: Path) -> None:
    """The checks below are only as good as the reader: it must see function-level and string imports."""
    modules = {"kg_builder.a": Path(), "kg_builder.b": Path(), "kg_builder.c": Path(), "kg_builder.d": Path()}
    source = (
        "import importlib\n"
        "def f():\n    from kg_builder.b import thing\n"
        "def g():\n    return importlib.import_module('kg_builder.c')\n"
        "if False:\n    from kg_builder import d\n"
    )
    probe = tmp_path / "a.py"
    probe.write_text(source, encoding="utf-8")
    assert imports_of("kg_builder.a", probe, modules) == {"kg_builder.b", "kg_builder.c", "kg_builder.d"}
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle() -> None:
    cycle = _cycle(import_graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle or ())


# (importer package, packages it must never import, why)
LAYER_RULES = [
    ("kg_builder.sources", ("store", "server", "linking", "build", "validation", "remote", "mapping", "graph", "cli"),
     "parsers read records into the model; nothing downstream"),
    ("kg_builder.enrich", ("store", "server", "linking", "build", "validation", "remote", "mapping", "sources",
                           "graph", "cli"),
     "enrich turns the model's text into facts"),
    ("kg_builder.mapping", ("store", "server", "linking", "build", "validation", "remote", "graph", "cli"),
     "the mapper turns the model into quads; it never reads a store"),
    ("kg_builder.server", ("sources", "mapping", "build", "enrich", "linking", "graph", "cli"),
     "the server reads a built store; it never builds"),
    ("kg_builder.store", ("sources", "mapping", "enrich", "build", "server", "linking", "validation", "graph", "cli"),
     "the store knows nothing about parsing or mapping"),
]


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


@pytest.mark.parametrize(("importer", "forbidden", "why"), LAYER_RULES, ids=[r[0] for r in LAYER_RULES])
def test_layers_point_one_way(importer: str, forbidden: tuple[str, ...], why: str) -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in import_graph().items() if _in(module, importer)
        for target in targets if any(_in(target, f"kg_builder.{name}") for name in forbidden)
    )
    assert not wrong, f"{why}:\n" + "\n".join(wrong)


def test_no_top_level_module_carries_a_package_prefix() -> None:
    """``validation_worker.py`` beside ``validation/`` is a package in disguise: it belongs inside."""
    top = {path.stem for path in PACKAGE.glob("*.py") if path.stem != "__init__"}
    packages = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").is_file()}
    words = packages | {"link", "links", "validation", "store", "remote", "server", "sources", "mapping", "enrich"}
    prefixed = sorted(name for name in top if any(name.startswith(word + "_") for word in words))
    assert not prefixed, f"top-level modules named like a package's part: {prefixed}"


def test_pyproject_ships_every_package() -> None:
    """The wheel's package list is explicit (the data folders are mapped in): it must name every package."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {_module_name(path.parent / "__init__.py") for path in PACKAGE.rglob("__init__.py")}
    data = {_module_name(path.parent / "__init__.py") for path in PACKAGE.rglob("*")
            if path.is_file() and path.suffix != ".py" and "__pycache__" not in path.parts
            and not (path.parent / "__init__.py").is_file()}
    assert on_disk - listed == set(), "packages missing from pyproject's [tool.setuptools] packages"
    assert data - listed == set(), "data folders missing from pyproject's [tool.setuptools] packages"
    for name, folder in DATA_PACKAGES.items():
        assert name in listed
        assert Path(config["package-dir"][name]) == folder.relative_to(ROOT)
        assert (folder / "__init__.py").is_file()
    assert listed - on_disk - data - set(DATA_PACKAGES) == {"kg_builder.ontology.codelists"}
