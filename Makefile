# Two commands do everything on a fresh machine (see README.md):
#   make book   -> build the HTML book and tell you where it is
#   make test   -> run every test: pgtheory, notebooks (nbval), strict book build, built-site checks
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# axe-core for the accessibility checks, from npm, exactly as package-lock.json pins it
AXE    := node_modules/axe-core/axe.min.js
# The two chapters that train CartPole take about 45 s each, three times the next: listed first,
# so that nbval's two workers start with one each instead of ending with them.
SLOW_NOTEBOOKS := book/surrogate.ipynb book/cartpole.ipynb
NOTEBOOKS := $(SLOW_NOTEBOOKS) $(filter-out $(SLOW_NOTEBOOKS),$(sort $(wildcard book/*.ipynb)))
# pytest's slowest files (the end-to-end grading, two halves of about 75 s; the web widgets),
# first for the same reason; pytest collects each file once.
SLOW_TESTS := tests/test_assignments_grading.py tests/test_assignments_grading_second_half.py tests/test_widgets_web.py
# ruff on the package, tests, tools, benchmarks and the chapters' code cells (book/*.ipynb; the
# rules for notebooks are in pyproject.toml).
LINT := $(PY) -m ruff check pgtheory tests tools benchmarks book/*.ipynb
# nbval: every notebook's fresh outputs against the committed ones.
# Two workers (pytest-xdist); --dist loadfile keeps each notebook's cells, in order, in one kernel.
PARALLEL := -n 2 --dist loadfile
NBVAL := $(PY) -m pytest --nbval $(NOTEBOOKS) --nbval-current-env --nbval-sanitize-with book/nbval_sanitize.cfg -p no:cacheprovider $(PARALLEL)
# ... and again with other SIMD kernels and one BLAS thread: the outputs must not depend on the
# machine (no rounding-level number is printed; tests/test_notebook_outputs.py). X86_V3 (AVX2)
# is added so that the dispatch also changes on CPUs without AVX-512.
OTHER_KERNELS := NPY_DISABLE_CPU_FEATURES="AVX512_SPR AVX512_ICL X86_V4 X86_V3" OPENBLAS_NUM_THREADS=1

.PHONY: book test setup serve notebooks lint clean assignments grade student pdf lab install-cells \
        test-lab built-html built-pdf screenshots

setup: $(STAMP) $(AXE)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 is needed, found " + sys.version.split()[0]'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# pip byte-compiles every installed module now (41 of the install's 80 s): worth it, since
	# with PYTHONDONTWRITEBYTECODE=1 (set on some machines) nothing else would ever store a .pyc.
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -c "import matplotlib.pyplot"  # build the font cache now, not inside a notebook cell
	touch $(STAMP)

$(AXE): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install the Debian packages in .ci/debian-packages.txt (README, 'Test it')" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE)

## Read it: build the book (executes every notebook; outputs cached in _build/.jupyter_cache),
## then the student edition (no solutions; its notebooks are the assignments' release versions)
## in _build/html/student/ from the same cache
book: $(STAMP)
	$(PY) tools/build_book.py
	$(PY) tools/build_assignments.py
	$(PY) tools/build_student_edition.py
	@echo
	@echo "The book is at $(CURDIR)/_build/html/index.html"
	@echo "Serve it with:  $(PY) -m http.server -d _build/html 8000   then open http://localhost:8000"

## Test it: every test there is, in the order that fails fastest
test: $(STAMP) $(AXE)
	$(LINT)
	$(PY) -m pytest $(SLOW_TESTS) tests --ignore=tests/site --ignore=tests/jupyterlab --ignore=tests/test_pdf.py $(PARALLEL)
	$(NBVAL)
	$(OTHER_KERNELS) $(NBVAL)
	$(MAKE) --no-print-directory -j2 --output-sync=target built-pdf built-html test-lab
	$(PY) -m pytest tests/site tests/test_pdf.py -n 2 --dist load

# The last stage of `make test` before the page checks: three jobs of about one core each, two
# at a time (each one's output is printed when it ends): the PDF (which executes nothing) and the
# two editions of the web book (from the cache nbval's outputs fill), then the real-client test
# in JupyterLab when the PDF is done.
test-lab: $(STAMP)
	$(PY) -m pytest tests/jupyterlab -p no:cacheprovider

built-html: $(STAMP)
	$(PY) tools/prime_cache.py $(NOTEBOOKS)
	$(PY) tools/build_book.py
	$(PY) tools/build_assignments.py --no-copy
	$(PY) tools/build_student_edition.py

built-pdf: $(STAMP)
	$(PY) tools/build_pdf.py

## Screenshots of every page of both editions at 1280 and 390 px, for review, in
## _build/screenshots/ (after `make book`; the page checks run as well)
screenshots: $(STAMP) $(AXE)
	PGTHEORY_PAGE_SCREENSHOTS=1 $(PY) -m pytest tests/site/test_pages.py tests/site/test_clipping.py -n 2 --dist load -q

## Run the notebooks: JupyterLab (with MyST rendering and live widgets) on book/
lab: $(STAMP)
	$(VENV)/bin/jupyter lab book/

serve: book
	$(PY) -m http.server -d _build/html 8000

## Authoring: after editing book/*.md, re-create the paired .ipynb and store fresh outputs.
## `make notebooks` does every chapter, `make notebooks NOTEBOOK=book/x.md` one (or a list).
## jupytext's own CLI converts and executes in book/ (the notebook's folder), with the kernel
## spec the committed notebooks carry and no jupytext metadata (tests/test_notebook_sync.py).
NOTEBOOK ?= $(wildcard book/*.md)
NOTEBOOK_METADATA := {"jupytext": null, "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
notebooks: $(STAMP)
	$(VENV)/bin/jupytext --to ipynb --execute --update-metadata '$(NOTEBOOK_METADATA)' $(NOTEBOOK)

## After changing the install cell's template (tools/install_cell.py) or repository.url
install-cells: $(STAMP)
	$(PY) tools/install_cell.py

lint: $(STAMP)
	$(LINT)

clean:
	rm -rf _build

## Teach with it: the graded assignments (nbgrader), one per chapter with implementation
## exercises, in _build/assignments/: source/ (instructor versions), release/ (student versions;
## also copied to assignments/student/book/, committed, for Colab and Binder)
assignments: $(STAMP)
	$(PY) tools/build_assignments.py

## Autograde SUBMISSIONS=<folder>, one subfolder per student, with nbgrader: writes
## _build/assignments/grades.csv and feedback in _build/assignments/feedback/<student>/
grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=<folder with one folder per student>"; exit 2; }
	$(PY) tools/build_assignments.py --no-copy
	$(PY) tools/grade.py "$(SUBMISSIONS)"

## The student notebooks: an alias of `make assignments` (release/ is what students get)
student: assignments

## The PDF of the whole book (needs TeX: see README.md) in _build/latex/, then its checks
pdf: $(STAMP)
	$(PY) tools/build_pdf.py
	$(PY) -m pytest tests/test_pdf.py -q -p no:cacheprovider
