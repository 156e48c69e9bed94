# The two commands: `make demo` and `make test`. Both install into .venv first.
# `make test-colab` runs the tests again on Colab's Python and versions (ci/constraints-colab.txt) in .venv-colab.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
COLAB_VENV := .venv-colab
COLAB_STAMP := $(COLAB_VENV)/.installed
# Colab's default runtime runs Python 3.13: `make test-colab` uses the first python3.13 that starts, from pyenv's
# versions or the PATH (a pyenv shim for a version not selected does not start), and says so when there is none
# (then it runs on $(PYTHON)).
PYENV_ROOT ?= $(HOME)/.pyenv
COLAB_PYTHON ?= $(shell for p in $(wildcard $(PYENV_ROOT)/versions/3.13*/bin/python3.13) $$(command -v python3.13); do \
  "$$p" -c "import sys; assert sys.version_info[:2] == (3, 13)" > /dev/null 2>&1 && { echo "$$p"; break; }; done)
PRESET ?= classroom
# GOING_FURTHER=1: `make demo` runs the going-further notebooks (02b, 04b, 05b, 05c) too, each after its lesson.
# PACKED=FILE: the notebooks unpack a teacher's runs (`lildata pack`) instead of training them.
GOING_FURTHER ?=
# The tests run on two workers (pytest-xdist): the run of the course on one, the other tests beside it.
# TEST_WORKERS=0: all in one process.
TEST_WORKERS ?= 2
PYTEST_WORKERS = $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadgroup)

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install demo test test-quick test-colab lessons bench clean strip-notebooks browser real-music-tiny paper

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# uv (from PyPI) installs the same versions as pip in a tenth of the time; pip does it where uv cannot (no uv
# wheel for the machine, or a package index that only pip's own configuration names).
INSTALL = $(1)/python -m pip install --quiet --upgrade pip uv && \
  { $(1)/python -m uv pip install --quiet --python $(1)/python $(2) || $(1)/python -m pip install --quiet $(2); }

$(STAMP): $(BIN)/python requirements.txt pyproject.toml
	$(call INSTALL,$(BIN),-r requirements.txt)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name python3 > /dev/null
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m lildata_utils.course.demo --preset $(PRESET) $(if $(GOING_FURTHER),--going-further) \
	  $(if $(PACKED),--packed $(PACKED))

# The browser test opens the demo report in Debian's Chromium; it is skipped where apt-get cannot install it.
browser:
	@command -v chromium > /dev/null 2>&1 || { command -v apt-get > /dev/null 2>&1 && \
	  ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends chromium > /dev/null) \
	  || echo "chromium could not be installed: the browser test will be skipped"; }

# The tiny real set (two small packages of game music from Debian's registry, cached in ~/.cache/lildata) for the
# test of the pipeline on recorded music; that test is skipped where apt-get cannot fetch them.
real-music-tiny: $(STAMP)
	@$(BIN)/python -m lildata_utils real-music --recipe tiny --quiet > /dev/null 2>&1 || \
	  { command -v apt-get > /dev/null 2>&1 && $(SUDO) apt-get update -qq && \
	    $(BIN)/python -m lildata_utils real-music --recipe tiny --quiet; } || \
	  echo "the tiny real set could not be made: the test on recorded music will be skipped"

test: $(STAMP) browser real-music-tiny
	$(BIN)/python scripts/notebook_links.py --check
	$(BIN)/python scripts/export_lessons.py --check
	$(BIN)/python -m pytest -q --durations=15 $(PYTEST_WORKERS)

# While developing: everything but the one run of the course at `tiny` and the longest tests (about 5 minutes).
test-quick: $(STAMP)
	$(BIN)/python -m pytest -q -m "not notebook and not slow" --durations=10

# Copy the notebooks' lesson code (cells marked #@save) into lildata_utils/lessons/.
lessons: $(STAMP)
	$(BIN)/python scripts/export_lessons.py

$(COLAB_STAMP): ci/requirements-colab.txt ci/constraints-colab.txt pyproject.toml
	@[ -n "$(COLAB_PYTHON)" ] || echo "Colab's Python 3.13 is not on this machine: .venv-colab is made with $(PYTHON) instead"
	$(or $(COLAB_PYTHON),$(PYTHON)) -m venv $(COLAB_VENV)
	$(call INSTALL,$(COLAB_VENV)/bin,-r ci/requirements-colab.txt)
	$(COLAB_VENV)/bin/python -m pip install --quiet --no-deps -e .
	$(COLAB_VENV)/bin/python -m ipykernel install --prefix $(COLAB_VENV) --name python3 > /dev/null
	touch $(COLAB_STAMP)

# On Colab's Python and versions: every notebook at `tiny` (the one run of the course, and every test that reads
# it) and the tests that train nothing; the training tests ran in `make test` (`.ci/run` stays under 30 minutes).
test-colab: $(COLAB_STAMP)
	$(COLAB_VENV)/bin/python -c "import sys, keras, tensorflow, numpy, IPython, ipywidgets; print('Colab versions:', \
	  'Python', sys.version.split()[0], 'TensorFlow', tensorflow.__version__, 'Keras', keras.__version__, \
	  'numpy', numpy.__version__, 'IPython', IPython.__version__, 'ipywidgets', ipywidgets.__version__)"
	$(COLAB_VENV)/bin/python -m pytest -q --durations=10 $(PYTEST_WORKERS) -m "notebook or not (slow or train)"

# The classifier table at the paper's size: the built-in songs at 631 x 631 (61 songs of 100 s per genre, about
# 9,750 clips), the softmax and Lil Data (the recipe and the paper's set-up), 4 and 8 genres, song and chunk split.
# Resumable: finished runs are reused, an interrupted one resumes. PAPER_MODELS=softmax,lildata,resnet50 adds
# ResNet50 (for a GPU). Then experiments/paper_size.py: the paper's transfer pair with every method and the
# generators at the same size, judged by classifiers of the first step; a summary of all in results/paper.json.
PAPER_MODELS ?= softmax,lildata
paper: $(STAMP)
	$(BIN)/python experiments/classifiers.py --preset paper --songs-per-genre 61 --seconds 100 \
	  --models $(PAPER_MODELS) --paper-setup --work results/work_paper --out results/classifiers_paper.json
	$(BIN)/python experiments/paper_size.py --work results/work_paper --out results/paper.json

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_synth.py
	$(BIN)/python benchmarks/bench_prepare.py
	$(BIN)/python benchmarks/bench_train.py
	$(BIN)/python benchmarks/bench_transfer.py

strip-notebooks: $(STAMP)
	$(BIN)/python scripts/strip_notebooks.py notebooks/*.ipynb

clean:
	rm -rf data/raw data/prepared runs reports
