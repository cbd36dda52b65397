"""gi.repository for the rig: Gio only (see gi/__init__.py)."""
