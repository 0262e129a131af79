"""The site agent: runs at each commune's one-stop centre, measures it, journals every state
change and serves the latest results to Prometheus."""
