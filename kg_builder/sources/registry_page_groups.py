"""The Interventions and Study Groups sections of the registry page.

Interventions are blocks of name, description paragraphs, ``Intervention Type X``.

Study Groups repeat, per arm: its label, description paragraphs, ``Group Type X`` (absent
for groups without a type, as observational cohorts have), then for each of the arm's
interventions its name, ``Intervention Type X`` and that intervention's description again.
Nothing marks where an intervention's description ends and the next arm's label starts, so
the description is matched against the Interventions section, paragraph for paragraph; the
same (name, type) with another description (an intervention repeated per dose arm) is told
apart the same way, so each arm links to its own intervention. When no known description
matches, the lines before the next ``Group Type`` are shared out by shape (see
:func:`_unknown_description`).
"""

from __future__ import annotations

import re
from dataclasses import replace

from kg_builder.model import Arm, Intervention, Note, Study
from kg_builder.sources.values import to_code

_GROUP_TYPE = "Group Type"
_INTERVENTION_TYPE = "Intervention Type"
# A line that reads like an arm label: short, not a sentence.
_LABEL_SHAPE = re.compile(r"^.{1,120}$")
# A list item's marker: "1.", "2)", "(a)", "-", "*", "•".
_LIST_ITEM = re.compile(r"^\s*(?:\(?\d{1,3}[.)]|\(?[a-z][.)]|\(?[ivx]{1,4}[.)]|[-*•·+])\s")


def read_interventions(study: Study, lines: list[str]) -> None:
    """The Interventions section's non-blank ``lines``: blocks of ``name``, description lines,
    ``Intervention Type X``."""
    pending: list[str] = []
    for line in lines:
        if line.startswith(_INTERVENTION_TYPE):
            if pending:
                name, description = pending[0], "\n\n".join(pending[1:]) or None
                study.interventions.append(
                    Intervention(name, to_code(line.removeprefix(_INTERVENTION_TYPE)), description)
                )
            else:
                study.warnings.append(f"Interventions: {line!r} without a name before it; left out")
            pending = []
        else:
            pending.append(line)
    if pending:
        study.notes.append(Note("Interventions", "\n".join(pending)))


def _paragraphs(item: Intervention) -> list[str]:
    return item.description.split("\n\n") if item.description else []


def _is_label(line: str) -> bool:
    return bool(_LABEL_SHAPE.match(line)) and not line.rstrip().endswith((".", ":", ";"))


def _continues(previous: str, line: str) -> bool:
    """Whether ``line`` goes on with the description line before it: a line that opens a list
    ("…the following:") is followed by its items, and an item ("1.", "-", "a)") by the next."""
    return previous.rstrip().endswith(":") or bool(_LIST_ITEM.match(previous) and _LIST_ITEM.match(line))


class _Groups:
    """A cursor over the section's lines that knows the Interventions section."""

    def __init__(self, study: Study, lines: list[str]) -> None:
        self.study, self.lines, self.at = study, lines, 0
        self.typed = any(line.startswith(_GROUP_TYPE) for line in lines)
        self.used: set[int] = set()  # interventions already placed under an arm

    def peek(self, offset: int = 0) -> str | None:
        index = self.at + offset
        return self.lines[index] if index < len(self.lines) else None

    def starts_intervention(self) -> bool:
        following = self.peek(1)
        return following is not None and following.startswith(_INTERVENTION_TYPE)

    def arm(self) -> tuple[Arm, list[int]]:
        label = self.lines[self.at]
        self.at += 1
        description: list[str] = []
        type_: str | None = None
        while (line := self.peek()) is not None:
            if line.startswith(_GROUP_TYPE):
                type_ = to_code(line.removeprefix(_GROUP_TYPE))
                self.at += 1
                break
            if self.starts_intervention():
                break
            if not self.typed and description and _is_label(line) and not _continues(description[-1], line):
                break  # untyped groups: a label-shaped line after a description starts the next group
            description.append(line)
            self.at += 1
        indexes = []
        while self.peek() is not None and self.starts_intervention():
            indexes.append(self.intervention())
        names = tuple(dict.fromkeys(self.study.interventions[i].name for i in indexes))
        return Arm(label, type_, "\n\n".join(description) or None, names), indexes

    def intervention(self) -> int:
        name, type_ = self.lines[self.at], to_code(self.lines[self.at + 1].removeprefix(_INTERVENTION_TYPE))
        self.at += 2
        candidates = [i for i, item in enumerate(self.study.interventions) if item.name == name]
        typed = [i for i in candidates if self.study.interventions[i].type == type_]
        matching = [i for i in typed or candidates
                    if self.lines[self.at : self.at + len(_paragraphs(self.study.interventions[i]))]
                    == _paragraphs(self.study.interventions[i])]
        if matching:
            # The longest description that matches; with equal ones, the first not yet given to an arm.
            longest = max(len(_paragraphs(self.study.interventions[i])) for i in matching)
            best = [i for i in matching if len(_paragraphs(self.study.interventions[i])) == longest]
            chosen = next((i for i in best if i not in self.used), best[0])
            self.used.add(chosen)
            self.at += longest
            return chosen
        self.study.interventions.append(Intervention(name, type_, self._unknown_description()))
        if candidates:
            self.study.warnings.append(
                f"Study Groups: intervention {name!r} is described unlike the Interventions section; kept apart"
            )
        return len(self.study.interventions) - 1

    def _unknown_description(self) -> str | None:
        """An intervention the Interventions section does not list: its description is the
        lines up to the next intervention, or up to the next arm's label and description
        before a ``Group Type`` (one label line, plus one description line when two or more
        lines are left)."""
        end = self.at
        while end < len(self.lines) and not self.lines[end].startswith(_GROUP_TYPE) and not (
            end + 1 < len(self.lines) and self.lines[end + 1].startswith(_INTERVENTION_TYPE)
        ):
            end += 1
        if end < len(self.lines) and self.lines[end].startswith(_GROUP_TYPE):
            end -= min(end - self.at, 2 if end - self.at >= 3 else 1)
        lines = self.lines[self.at : end]
        self.at = end
        return "\n\n".join(lines) or None


def read_groups(study: Study, lines: list[str]) -> None:
    """The Study Groups section's non-blank ``lines``: arms, each linked to its own
    interventions (read after the Interventions section)."""
    groups = _Groups(study, lines)
    labels: dict[int, list[str]] = {}
    while groups.peek() is not None:
        arm, indexes = groups.arm()
        study.arms.append(arm)
        for index in indexes:
            labels.setdefault(index, []).append(arm.label)
    study.interventions[:] = [
        replace(item, arm_labels=tuple(dict.fromkeys((*item.arm_labels, *labels.get(index, ())))))
        for index, item in enumerate(study.interventions)
    ]
