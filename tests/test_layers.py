"""The package's layers, as the imports see them and as pyproject.toml declares them.

``pip install pgtheory`` needs numpy only: the maths (every module outside ``pgtheory/viz/``)
imports numpy and the standard library. The layers above it are extras (CONTRIBUTING.md,
"Layers"): ``pgtheory.viz`` needs ``[viz]`` (matplotlib, ipywidgets) and imports it lazily;
gymnasium is imported by :data:`GYMNASIUM_MODULES` only (``[gym]``), JAX by :data:`JAX_MODULES`
only (``[jax]``). Data flows one way: no maths module imports ``pgtheory.viz``.

The import checks run in fresh interpreters (subprocesses), since this test session has long
since imported everything; the rules about who imports what are read from the source (``ast``),
imports inside functions included.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pgtheory"

#: Third-party top-level packages, by the layer (extra) that provides them; None: the core.
LAYER_OF = {
    "numpy": None,
    # cycler and PIL (pillow) come with matplotlib
    "matplotlib": "viz", "cycler": "viz", "PIL": "viz", "ipywidgets": "viz",
    "gymnasium": "gym",
    "jax": "jax", "jaxlib": "jax", "optax": "jax",
}
OPTIONAL = sorted(name for name, layer in LAYER_OF.items() if layer)

#: The only modules that may import gymnasium (mlp_policy: the JAX policy on CartPole).
GYMNASIUM_MODULES = {"pgtheory/gym_env.py", "pgtheory/cartpole.py", "pgtheory/mlp_policy.py"}

#: The only modules that may import JAX (autodiff: the surrogate loss by jax.grad; mlp_network
#: and mlp_policy: the neural-network policy and its loop on CartPole; the
#: surrogate self-check differentiates the student's loss, importing JAX when it runs).
JAX_MODULES = {"pgtheory/autodiff.py", "pgtheory/mlp_network.py", "pgtheory/mlp_policy.py",
               "pgtheory/checks/surrogate_loss.py"}


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, *, top_level_only: bool = False) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``path``, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            # "from . import viz" imports the submodule pgtheory.viz
            found += [(node.lineno, f"{module}.{alias.name}" if not node.module else module)
                      for alias in node.names]
    return found


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def is_viz(path: Path) -> bool:
    return relative(path).startswith("pgtheory/viz/")


def run_python(code: str, *, block: tuple[str, ...] = ()) -> dict:
    """Run ``code`` in a fresh interpreter in which importing ``block`` fails; its JSON output."""
    blocker = textwrap.dedent(f"""
        import importlib.abc, sys
        BLOCKED = {sorted(block)!r}
        class Blocker(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ImportError(f"{{name}} is not installed (blocked by test_layers)")
        sys.meta_path.insert(0, Blocker())
    """)
    result = subprocess.run([sys.executable, "-c", blocker + textwrap.dedent(code)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


LOADED = "import json, sys; print(json.dumps(sorted(m for m in {!r} if m in sys.modules)))"


# --- pyproject.toml --------------------------------------------------------------------------


def test_pyproject_declares_numpy_alone_and_one_extra_per_layer() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = [requirement.split(">")[0].split("=")[0].split("[")[0].strip()
             for requirement in project["dependencies"]]
    assert names == ["numpy"], project["dependencies"]
    extras = project["optional-dependencies"]
    assert {"matplotlib", "ipywidgets"} <= {r.split(">")[0] for r in extras["viz"]}
    assert "gymnasium" in {r.split(">")[0] for r in extras["gym"]}


def test_every_third_party_import_belongs_to_a_known_layer() -> None:
    stdlib = set(sys.stdlib_module_names)
    unknown = [f"{relative(path)}:{line}: import {name}" for path in modules()
               for line, name in imports(path)
               if name.split(".")[0] not in stdlib | {"pgtheory"} | set(LAYER_OF)]
    assert unknown == [], ("add the package to pyproject.toml (core or an extra) and to LAYER_OF:"
                           "\n" + "\n".join(unknown))


# --- who imports what --------------------------------------------------------------------------


def test_no_maths_module_imports_viz_matplotlib_or_ipywidgets() -> None:
    upward = [f"{relative(path)}:{line}: import {name}" for path in modules() if not is_viz(path)
              for line, name in imports(path)
              if name.split(".")[0] in ("matplotlib", "cycler", "ipywidgets")
              or name == "pgtheory.viz" or name.startswith("pgtheory.viz.")]
    assert upward == [], "the maths imports upward:\n" + "\n".join(upward)


@pytest.mark.parametrize("layer, allowed", [("gym", GYMNASIUM_MODULES), ("jax", JAX_MODULES)])
def test_only_the_documented_modules_import_gymnasium_and_jax(layer: str, allowed: set) -> None:
    packages = {name for name, owner in LAYER_OF.items() if owner == layer}
    offenders = [f"{relative(path)}:{line}: import {name}" for path in modules()
                 if relative(path) not in allowed
                 for line, name in imports(path) if name.split(".")[0] in packages]
    assert offenders == [], "\n".join(offenders)


def test_the_import_parser_sees_relative_and_nested_imports() -> None:
    # Guards the rules above against a parser that finds nothing.
    found = {name for _, name in imports(PACKAGE / "cartpole.py")}
    assert {"gymnasium", "pgtheory.gym_env", "pgtheory.linear_policy", "numpy"} <= found
    found = {name for _, name in imports(PACKAGE / "viz" / "objective.py")}
    assert {"pgtheory.mdp", "pgtheory.viz.style", "matplotlib.pyplot"} <= found


# --- what an import loads, in a fresh interpreter -----------------------------------------------


def test_import_pgtheory_loads_no_optional_dependency() -> None:
    assert run_python("import pgtheory\n" + LOADED.format(OPTIONAL)) == []


def test_the_maths_works_with_numpy_alone() -> None:
    """Every module outside viz/ whose top level imports no optional layer imports and runs
    with matplotlib, ipywidgets, gymnasium and JAX unimportable (a numpy-only install)."""
    maths = [module_name(path) for path in modules() if not is_viz(path)
             and not any(name.split(".")[0] in OPTIONAL
                         for _, name in imports(path, top_level_only=True))]
    assert {"pgtheory", "pgtheory.cartpole", "pgtheory.estimators"} <= set(maths)
    code = f"""
        import importlib, json
        import numpy as np
        for name in {maths!r}:
            importlib.import_module(name)
        import pgtheory as pg
        mdp = pg.chain_mdp()
        theta = np.zeros((4, 2))
        g = pg.gradient_samples(mdp, theta, 1000, rng=0, estimator="reward_to_go",
                                baseline="optimal").mean(axis=0)
        print(json.dumps(bool(np.abs(g - pg.exact_gradient(mdp, theta)).max() < 1.0)))
    """
    assert run_python(code, block=tuple(OPTIONAL)) is True


def test_import_viz_loads_matplotlib_and_ipywidgets_only_when_used() -> None:
    code = """
        import json, sys
        seen = []
        def loaded():
            return sorted(m for m in ("matplotlib", "ipywidgets") if m in sys.modules)
        import pgtheory.viz as viz
        seen.append(loaded())
        viz.plot_learning_curves, viz.use_book_style, viz.cartpole
        seen.append(loaded())
        viz.n_explorer
        seen.append(loaded())
        print(json.dumps(seen))
    """
    assert run_python(code) == [[], ["matplotlib"], ["ipywidgets", "matplotlib"]]


def test_viz_lists_every_name_it_exports() -> None:
    code = """
        import json
        import pgtheory.viz as viz
        missing = [name for name in viz.__all__ if not hasattr(viz, name)]
        print(json.dumps(missing))
    """
    assert run_python(code) == []
