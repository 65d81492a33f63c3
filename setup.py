"""What goes in the wheel. The metadata (name, dependencies, extras) is in pyproject.toml.

The repository keeps ``templates/`` and ``migrations/`` at the top level, beside ``app/``; an installed
app finds them inside its package, as ``app/templates`` and ``app/migrations`` (``app.paths`` looks in
both places). The mapping below puts them there in the wheel; ``app/static`` is already inside ``app``.
"""
from setuptools import find_packages, setup

MAPPED = {"app.templates": "templates", "app.migrations": "migrations"}
EVERYTHING = ["**/*"]
NOT_BUILT = ["**/__pycache__/*", "**/*.pyc"]

setup(
    packages=[*find_packages(include=["app", "app.*", "workflows", "workflows.*", "forms", "forms.*"]),
              *MAPPED],
    package_dir=MAPPED,
    package_data={"app": ["static/**/*"], **dict.fromkeys(MAPPED, EVERYTHING)},
    exclude_package_data=dict.fromkeys(["app", *MAPPED], NOT_BUILT),
)
