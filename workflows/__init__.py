"""State machines, declared once as data. Importable without Flask or a database."""
from workflows.engine import Guard, NotAllowed, T, TransitionRefused, Who, Workflow, guard

__all__ = ["Guard", "NotAllowed", "T", "TransitionRefused", "Who", "Workflow", "guard"]
