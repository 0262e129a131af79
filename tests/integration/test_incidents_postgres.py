"""The incident store's tests (tests/unit/test_incidents_store.py) against a real PostgreSQL 15:
the same rules where two collectors share one database (the open key's UNIQUE constraint
under concurrent notifications included).  Migration 0007 against schema.py on PostgreSQL:
test_store_postgres.py's schema test."""

from __future__ import annotations

import pytest

from tests.integration.pglab import skip_without_postgres
from tests.integration.test_store_postgres import (  # noqa: F401 (its fixtures: a fresh database)
    server,
    store,
    store_url,
)
from tests.unit.test_incidents_store import (  # noqa: F401 (collected here against PostgreSQL)
    test_a_firing_alert_opens_one_incident_and_its_repeats_change_nothing,
    test_a_flap_within_the_grace_reopens_a_later_failure_is_new,
    test_a_resolved_alert_never_seen_firing_opens_a_restored_incident_noted,
    test_acknowledge_restore_and_report_are_set_once,
    test_another_site_service_or_kind_is_another_incident,
    test_concurrent_notifications_of_one_alert_open_one_incident,
    test_lists_open_first_by_site_and_since,
    test_severity_only_rises_while_one_incident_lasts,
    test_the_resolved_alert_restores_it_at_its_end_and_a_replay_changes_nothing,
    test_the_same_alert_firing_again_after_its_end_reopens_its_incident,
    test_touching_a_window_leaves_out_the_settled_and_the_province_wide,
    test_two_alerts_of_one_failure_are_one_incident_restored_when_both_ended,
)

pytestmark = [pytest.mark.integration, skip_without_postgres]
