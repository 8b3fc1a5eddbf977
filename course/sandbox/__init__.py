"""Where student code runs: the bubblewrap sandbox, control groups, and the client that runs a notebook in it."""
