"""Package data ``kg_builder.shapes``: the SHACL shapes every study graph is checked against.

This folder stays at the top of the repository and ships inside the wheel as
``kg_builder.shapes`` (``package-dir`` in ``pyproject.toml``); the code finds it with
``importlib.resources`` unless ``KG_BUILDER_SHAPES`` points elsewhere. No code here.
"""
