"""Data, not code: shipped inside the package as publisher.shapes (read by publisher/assets.py with
importlib.resources); this file only makes the directory a package for setuptools and editable installs."""
