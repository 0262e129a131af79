"""The province collector (bộ thu thập cấp tỉnh): one process per province that gathers every
site's journal (pulled from the agents it can reach, pushed by those behind NAT or 4G), stores it,
evaluates each commune against the plans' targets, reads live values from Prometheus, sends
alerts to Alertmanager and serves the API and the province's web pages.  ``sansang collector
run`` starts it (collector/app.py); collector/README.md lists its parts."""
