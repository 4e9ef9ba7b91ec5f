"""The README stays a newcomer's page: under 8 KB, its links resolve, its layout table names what the tree holds."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def modules(folder: Path) -> list[str]:
    """The module files of one package folder, ``__init__.py`` left out."""
    return sorted(p.name for p in folder.glob("*.py") if p.name != "__init__.py")


def test_the_readme_is_under_8_kb() -> None:
    assert len(README.read_bytes()) < 8 * 1024


def test_every_link_of_the_readme_and_docs_resolves_inside_the_repository() -> None:
    for page in [README, *sorted((ROOT / "docs").glob("*.md")), ROOT / "bench" / "README.md"]:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            resolved = (page.parent / target).resolve()
            assert resolved.is_relative_to(ROOT), f"{page.name} links outside the repository: {target}"
            assert resolved.exists(), f"{page.name} links to a missing file: {target}"


def test_the_layout_table_names_every_top_level_folder_and_ml_module() -> None:
    text = README.read_text(encoding="utf-8")
    layout = text[text.index("## Layout") :]
    made = {"var", "build", "dist"}  # run-time data and build output, never in the repository
    folders = sorted(
        p.name
        for p in ROOT.iterdir()
        if p.is_dir() and not p.name.startswith(".") and p.name not in made and not p.name.endswith(".egg-info")
    )
    named = {f"`{name}/`" for name in folders} | {f"`ml/{p}/`" for p in ("budgets", "matching", "generation")}
    missing = [name for name in sorted(named) if name not in layout]
    for package in ("ml", "ml/budgets", "ml/matching"):
        missing += [f"{package}/{m}" for m in modules(ROOT / package) if f"`{m}`" not in layout]
    assert missing == []


def test_docs_generation_names_every_generation_module() -> None:
    text = (ROOT / "docs" / "generation.md").read_text(encoding="utf-8")
    generation = ROOT / "ml" / "generation"
    missing = [
        str(path.relative_to(generation))
        for path in sorted(generation.rglob("*.py"))
        if path.name != "__init__.py" and path.name not in text
    ]
    assert missing == []
