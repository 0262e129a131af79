"""Power: what the UPSes and the box's own battery say, and what it means for the centre.

``reading`` is the one shape every power source reports in (NUT status flags are the common
language: SNMP and the box battery are mapped onto them); ``tracker`` turns readings into journal
events (mains lost and restored, low battery, bypass, forced shutdown, UPS depleted) with
hysteresis, and ``depletion`` decides when a UPS ran out and when it turns out it had not;
``summary`` turns the journal into outage figures per window.  The probes that talk
to devices live in ``agent/probes/`` (``nut``, ``snmp_ups``, ``battery``).
"""
