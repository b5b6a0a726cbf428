"""Keep the Colab launch button on pages that Colab can open.

sphinx-book-theme offers Colab on every notebook page, but Colab opens only
``.ipynb`` files: on a MyST Markdown notebook (``.md``) its link would lead to
an error page. Binder and JupyterHub open MyST notebooks through jupytext, so
their buttons stay on every notebook page.
"""

from pathlib import Path

COLAB_LABEL = "Colab"


def _drop_colab_on_text_notebooks(app, pagename, templatename, context, doctree):
    if Path(app.env.doc2path(pagename)).suffix == ".ipynb":
        return
    for button in context.get("header_buttons", []):
        if button.get("label") == "launch-buttons":
            button["buttons"] = [b for b in button["buttons"] if b.get("text") != COLAB_LABEL]


def setup(app):
    # Run after the theme has added its launch buttons (default priority 500).
    app.connect("html-page-context", _drop_colab_on_text_notebooks, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
