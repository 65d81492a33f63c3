"""Leaf utilities every area uses: the clock (UTC stored, Boston shown), form errors, the mail outbox's
sender, uploaded-file checks, PDFs, Markdown, charts. Nothing here imports an area."""
