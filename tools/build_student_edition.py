"""Build the student edition of the web book in _build/html/student/ (part of `make book`).

The same chapters, built from the same notebooks with the same strict flags as the full book
(tools/build_book.py), with three differences set in a generated configuration:

1. sphinx-exercise's ``hide_solutions``: every ``{solution}`` is left out of the pages (the full
   book keeps them as click-to-show dropdowns, for self-study);
2. the instructor guide is not in the table of contents;
3. the launch buttons point at ``assignments/student/book/<chapter>.ipynb`` in the repository
   (``repository.path_to_book``): the release notebooks of the graded assignments, committed by
   `make assignments`, which Colab and Binder open.

After the build, each chapter's download button (``_sources/book/<chapter>.ipynb``) is given the
release notebook of its assignment from _build/assignments/release/. A page whose notebook has
solutions but that has no assignment loses its download and launch buttons instead, so that no
button of the student edition hands out a solution.

The build reads the execution cache of the full book (`execute.cache`, an absolute path here):
a notebook executed for the full book is not executed again.

Usage: python tools/build_student_edition.py
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from build_assignments import COURSE, STUDENT_COPIES
from build_book import STRICT_FLAGS, build_environment, print_failure_reports

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "_build" / "student-edition"
OUT = ROOT / "_build" / "html" / "student"
INSTRUCTOR_ONLY = {"book/instructor_guide"}
TITLE_SUFFIX = " (student edition)"

_LAUNCH = re.compile(r'<div class="dropdown dropdown-launch-buttons">.*?</ul>\s*</div>',
                     re.DOTALL)
_DOWNLOAD_IPYNB = re.compile(r'<li><a href="[^"]*_sources/[^"]*\.ipynb".*?</li>', re.DOTALL)


def student_config(config: dict) -> dict:
    """The full book's configuration, changed for the student edition."""
    config = dict(config)
    config["title"] = config["title"] + TITLE_SUFFIX
    execute = dict(config.get("execute", {}))
    execute["cache"] = str((ROOT / execute.get("cache", "_build/.jupyter_cache")).resolve())
    config["execute"] = execute
    repository = dict(config.get("repository", {}))
    repository["path_to_book"] = str(STUDENT_COPIES.parent.relative_to(ROOT))
    config["repository"] = repository
    sphinx = dict(config.get("sphinx", {}))
    # Jupyter Book resolves local extensions against the configuration file's folder.
    sphinx["local_extensions"] = {name: str((ROOT / path).resolve())
                                  for name, path in sphinx.get("local_extensions", {}).items()}
    sphinx["config"] = {**sphinx.get("config", {}), "hide_solutions": True}
    config["sphinx"] = sphinx
    return config


def student_toc(toc: dict) -> dict:
    """The table of contents without the pages for instructors."""
    parts = []
    for part in toc.get("parts", []):
        chapters = [c for c in part.get("chapters", []) if c.get("file") not in INSTRUCTOR_ONLY]
        if chapters:
            parts.append({**part, "chapters": chapters})
    return {**toc, "parts": parts}


def has_solutions(notebook: Path) -> bool:
    return "{solution}" in notebook.read_text(encoding="utf-8")


def fix_notebook_buttons(html: Path, release: Path = COURSE / "release") -> dict[str, str]:
    """Give each chapter's download button its release notebook (or remove its buttons).

    Returns chapter -> "release" or "no buttons" for every chapter page that needed either.
    """
    done = {}
    for page in sorted((html / "book").glob("*.html")):
        name = page.stem
        source = html / "_sources" / "book" / f"{name}.ipynb"
        assignment = release / name / f"{name}.ipynb"
        if assignment.exists():
            shutil.copy(assignment, source)
            done[name] = "release"
        elif source.exists() and has_solutions(source):
            source.unlink()
            text = _DOWNLOAD_IPYNB.sub("", _LAUNCH.sub("", page.read_text(encoding="utf-8")))
            page.write_text(text, encoding="utf-8")
            done[name] = "no buttons"
    return done


def main() -> int:
    if not (COURSE / "release").is_dir():
        print(f"error: no release notebooks in {COURSE / 'release'}: run `make assignments` "
              f"first", file=sys.stderr)
        return 1
    WORK.mkdir(parents=True, exist_ok=True)
    config_path, toc_path = WORK / "_config.yml", WORK / "_toc.yml"
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    config_path.write_text(yaml.safe_dump(student_config(config), sort_keys=False),
                           encoding="utf-8")
    toc_path.write_text(yaml.safe_dump(student_toc(toc), sort_keys=False), encoding="utf-8")
    jb = Path(sys.executable).with_name("jb")
    command = [str(jb), "build", str(ROOT), "--path-output", str(WORK), "--config",
               str(config_path), "--toc", str(toc_path), *STRICT_FLAGS]
    result = subprocess.run(command, cwd=ROOT, env=build_environment())
    if result.returncode != 0:
        print_failure_reports(WORK)
        print(f"\nStudent edition build FAILED (exit {result.returncode}).")
        return result.returncode
    if OUT.exists():
        shutil.rmtree(OUT)
    shutil.copytree(WORK / "_build" / "html", OUT)
    for name, what in fix_notebook_buttons(OUT).items():
        print(f"student edition, {name}: {what}")
    print(f"The student edition is at {OUT / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
