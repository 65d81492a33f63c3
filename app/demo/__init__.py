"""The demo data: seeders and stories, played through the areas' operations and ``advance``.

Only the CLI imports it (inside its commands), so the app never loads it to serve a page."""
