"""Text → facts: pure functions over the model (drug classes, targets, doses, outcomes, places)."""
