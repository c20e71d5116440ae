"""Package data ``kg_builder.ontology``: the ontology, its code lists and the JSON-LD context.

This folder stays at the top of the repository and ships inside the wheel as
``kg_builder.ontology`` (``package-dir`` in ``pyproject.toml``); the code finds it with
``importlib.resources`` unless ``KG_BUILDER_ONTOLOGY`` points elsewhere. No code here.
"""
