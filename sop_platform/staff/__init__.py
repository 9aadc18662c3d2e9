"""What the staff pages show: home, a chapter's overview and blame, the editor, release
blockers and the marks of outdated translations, built from the domain and the workflow."""
