"""Package data ``kg_builder.queries``: the named queries (``NAME.rq``) the CLI and the server offer.

This folder stays at the top of the repository and ships inside the wheel as
``kg_builder.queries`` (``package-dir`` in ``pyproject.toml``); the code finds it with
``importlib.resources`` unless ``KG_BUILDER_QUERIES`` points elsewhere. No code here.
"""
