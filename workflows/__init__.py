"""State machines, declared once as data. Importable without Flask or a database."""
from workflows.engine import Guard, T, TransitionRefused, Who, Workflow, guard

__all__ = ["Guard", "T", "TransitionRefused", "Who", "Workflow", "guard"]
