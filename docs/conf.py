"""Sphinx configuration of the sk_tsgen documentation."""

project = "sk_tsgen"
author = "sk_tsgen developers"
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
autosummary_generate = True
numpydoc_show_class_members = False
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
    "skorch": ("https://skorch.readthedocs.io/en/stable", None),
}
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
}
exclude_patterns = ["_build"]


def _cited(name, rawtext, text, lineno, inliner, options=None, content=None):
    """PyOD's docstrings, which the PyOD adapter inherits, cite papers with
    sphinxcontrib-bibtex's ``:cite:`` role: show the key as text."""
    from docutils import nodes

    return [nodes.Text(f"[{text}]")], []


def setup(app):
    app.add_role("cite", _cited)
