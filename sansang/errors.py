"""The project's exceptions share one base, so a caller can tell sansang's own failures (which
carry a message meant for a person) from a bug or a library's error, and the tree below is the
one place that lists them all (tests/unit/test_errors.py keeps it true)."""

from __future__ import annotations


class SansangError(Exception):
    """Every exception sansang defines derives from this one.  The whole tree, by component:
    each class with its module and what it means; a second base is kept where callers catch the
    class by that base too.

    SansangError
    ├── kernel
    │   ├── ConfigError (sansang.configfile)           a config file cannot be used: file:line:field
    │   ├── StartupError (sansang.errors)              the agent or the collector cannot start
    │   └── HandoverError (sansang.handover)           also a ValueError: a handover record that
    │                                                  is invalid or whose hash does not match
    ├── agent
    │   ├── PushError (agent.journal.push)             one push of the journal failed, and why
    │   ├── SpeedtestError (agent.links.bandwidth.result)    a throughput test did not finish
    │   │   └── NotTaken (agent.links.bandwidth.iperf3)      the iperf3 server did not take the
    │   │                                                    run (nothing moved): start it again
    │   ├── UnknownMetricError (agent.metrics.exporter)      also a KeyError: a name not in the
    │   │                                                    catalogue (a bug)
    │   ├── NutError (agent.power.nut.client)          upsd answered ERR
    │   ├── NutProtocolError (agent.power.nut.protocol)      upsd's answer is not NUT's protocol
    │   ├── SnmpFailure (agent.power.snmp.client)      an SNMP poll that read nothing, and why
    │   ├── MibValueError (agent.power.snmp.mibs)      also a ValueError: a value of the wrong kind
    │   ├── UnreadableOutput (agent.probes._security_parse)  also a ValueError: a machine's answer
    │   │                                                    is not what the fixed command prints
    │   ├── PrinterMibError (agent.probes.printer_mib)  also a ValueError: a printer's answer of
    │   │                                                    the wrong kind (its error bit field)
    │   ├── SshFailure (agent.probes._ssh)             a machine or a router could not be asked over
    │   │                                              SSH (its reason code)
    │   └── UnreadableOutput (agent.probes._router_parse)    a router's answer is not what its
    │                                                        profile's command prints
    └── collector
        ├── AlertmanagerError (collector.alerts.alertmanager)  Alertmanager refused or is silent
        ├── BadNotification (collector.incidents.webhook)    also a ValueError: not an
        │                                                    Alertmanager notification
        ├── UnusableFinding (collector.evaluate.failure)     also a ValueError: a rule gave a
        │                                                    finding that cannot be published
        ├── PullError (collector.ingest.pull)          one pull of an agent's journal failed
        ├── Refused (collector.ingest.push)            a push answered with a 4xx
        ├── BadRecord (collector.ingest.survey)        a survey record's problems
        ├── CellError (collector.inventory.columns)    also a ValueError: a cell's value is unusable
        ├── SheetError (collector.inventory.importer)  a site list cannot be imported at all
        ├── EditRefused (collector.inventory.overlay)  also a ValueError: a record edited in the
        │                                              web UI no longer fits the inventory
        ├── PromError (collector.live.promapi)         a query to Prometheus failed
        ├── NoFindings (collector.report.archive)      also a LookupError: no findings kept for the
        │                                              month a report is asked for
        ├── FontMissing (collector.report.pdf)         also a FileNotFoundError: a font the PDF
        │                                              embeds is not installed (names the package)
        ├── SeqConflict (collector.store.contiguous)   seqs held with other content: the journal
        │                                              went back (a 409)
        ├── SchemaError (collector.store.migrate)      also a RuntimeError: the database's schema
        │                                              is not this version's
        ├── UnreadableDetailsError (collector.store.unreadable)  also a ValueError: a stored
        │                                              event's details cannot be read
        ├── Invalid (collector.web.incidents)          an incident's write refused (a 400)
        └── Refused (collector.web.readinessforms)     a readiness edit refused (a 400)
    """


class StartupError(SansangError):
    """The agent or the collector cannot start: its journal or database, or its listening port,
    is unusable.  The message says which, for the person who started it."""
