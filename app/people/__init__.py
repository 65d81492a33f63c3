"""People: signing in, accounts and schools (admin), teams."""
