"""The course on JupyterHub: ``course hub`` starts a hub for a roster of students on this machine,
``course release`` / ``course collect`` / ``course feedback --release`` move a week through
nbgrader's exchange. roster.py reads the roster, runtime.py lays out the hub's folder (exchange,
configuration, the students' environment), users.py makes the students' system accounts,
serve.py is ``course hub``, exchange.py the verbs that talk to the exchange."""
