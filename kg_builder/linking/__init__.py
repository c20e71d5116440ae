"""Alignment with other trial graphs (``kg-builder link``): profiles, matching rules, derived relations."""
