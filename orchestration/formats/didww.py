"""DIDWW call logs (seed 002): inbound and outbound CDR exports, in every header generation they come in.

Generations, told apart by header name only (each column below lists its spellings):

- the portal's "Call Logs" export (the seed): ``Date/Time Start (UTC)``, ``Date/Time Connect (UTC)``,
  ``Date/Time End (UTC)``, ``Source``, ``DID`` / ``CLI``, ``Destination``, ``Duration (secs)``, ...;
- API export generation 1 (legacy): one ``Date/Time (UTC)`` instead of start/connect/end, ``Response``
  instead of ``Disconnect Response`` / ``Disconnect Reason``, and trailing ``TollFree Amount (USD)``,
  ``Customer ID``, ``Sell Amount (Points)``;
- API export generation 2: the portal's three timestamps plus the same trailing columns;
- API export generation 3, renamed headers: ``Start Time (UTC)``, ``Source Number``, ``Destination DID``,
  ``Duration (sec)``, ``Billing Duration (sec)``, ``Disconnect Reason``, ``Rate (USD)``, ``Call Type``,
  ``Destination Country``, ``Network``, ``Voice OUT Trunk``, ``Call ID``, ...

A file is inbound when it names the DID (``DID`` / ``Destination DID``); it is outbound when it carries
the called destination and at least one of the outbound billing columns (CLI, billing duration, rate,
charge), which no inbound export has. Empty values come bare or as ``""``; Connect and End are empty on
calls that did not connect.

Natural key: the older generations carry no call id, and an older and a newer export of the same call
must give one call, so the key is what every generation carries: start time, source, the called party
(DID inbound, destination outbound) and duration. ``Call ID`` is kept as the call's id, not keyed on.
"""

from orchestration.formats.spec import Column, FormatSpec

_DOCUMENTATION = "shared/seeds/002: 'Call Logs' (portal export) and the DIDWW API export generations"

# Columns both directions carry under the same spellings.
_CALL_ID = Column("call_id", "DIDWW call id (generation 3 exports only).", headers=("Call ID",))
_START = Column(
    "start_time",
    "Call start, 'YYYY-MM-DD HH:MM:SS' UTC (legacy exports: their single 'Date/Time (UTC)').",
    headers=("Date/Time Start (UTC)", "Date/Time (UTC)", "Start Time (UTC)"),
    required=True,
    kind="timestamp",
)
_CONNECT = Column(
    "connect_time",
    "Call connection (answer), UTC; empty when the call did not connect.",
    headers=("Date/Time Connect (UTC)", "Connect Time (UTC)"),
    kind="timestamp",
)
_END = Column(
    "end_time",
    "Call termination, UTC; empty when the call did not connect.",
    headers=("Date/Time End (UTC)", "End Time (UTC)"),
    kind="timestamp",
)
_DURATION = Column(
    "duration",
    "Call duration in seconds; 0 for calls that did not connect.",
    headers=("Duration (secs)", "Duration (sec)"),
    required=True,
    kind="integer",
)
_DISCONNECT_CODE = Column(
    "disconnect_code",
    "SIP disconnect code (e.g. 200, 486, 487).",
    headers=("Disconnect Code",),
    kind="integer",
)
_TOLLFREE_AMOUNT = Column(
    "tollfree_amount",
    "Amount charged for the toll-free service, USD.",
    headers=("Toll-free Amount (USD)", "TollFree Amount (USD)"),
    kind="decimal",
)
_CUSTOMER_ID = Column(
    "customer_id", "DIDWW customer id (API exports); the account number.", headers=("Customer ID",)
)
_SELL_AMOUNT = Column(
    "sell_amount_points",
    "Sell amount in DIDWW points (API exports); not money.",
    headers=("Sell Amount (Points)",),
    kind="decimal",
)

DIDWW_INBOUND = FormatSpec(
    name="didww_inbound",
    vendor="didww",
    description="DIDWW inbound call log CSV: calls to the customer's DIDs, one row per call.",
    documentation=_DOCUMENTATION,
    columns=(
        _CALL_ID,
        _START,
        _CONNECT,
        _END,
        Column(
            "source",
            "Calling party's caller ID, digits without '+' (may be empty or withheld).",
            headers=("Source", "Source Number"),
            required=True,
        ),
        Column(
            "did",
            "The DID called, E.164 digits without '+'.",
            headers=("DID", "Destination DID"),
            required=True,
        ),
        Column(
            "destination",
            "Destination URI the call was delivered to (SIP URI or number).",
            headers=("Destination",),
        ),
        _DURATION,
        Column(
            "disconnect_initiator",
            "Side that disconnected: Origination or Destination.",
            headers=("Disconnect Initiator",),
        ),
        _DISCONNECT_CODE,
        Column(
            "disconnect_reason",
            "SIP response of the disconnect code (e.g. 'Request Terminated').",
            headers=("Disconnect Response", "Response", "Disconnect Reason"),
        ),
        _TOLLFREE_AMOUNT,
        Column(
            "termination_amount",
            "Amount charged for PSTN termination (forwarding), USD.",
            headers=("Termination Amount (USD)",),
            kind="decimal",
        ),
        Column(
            "metered_channels_amount",
            "Amount charged for metered capacity, USD.",
            headers=("Metered Channels Amount (USD)",),
            kind="decimal",
        ),
        _CUSTOMER_ID,
        _SELL_AMOUNT,
    ),
    natural_key=("start_time", "source", "did", "duration"),
)

DIDWW_OUTBOUND = FormatSpec(
    name="didww_outbound",
    vendor="didww",
    description="DIDWW outbound call log CSV: calls the customer terminated through DIDWW, one row per call.",
    documentation=_DOCUMENTATION,
    columns=(
        _CALL_ID,
        _START,
        _CONNECT,
        _END,
        Column(
            "source",
            "Caller ID sent to the DIDWW gateway, digits without '+'.",
            headers=("Source", "Source Number"),
            required=True,
        ),
        Column(
            "cli",
            "Caller ID forwarded to the destination network (may differ from source: Replace CLI).",
            headers=("CLI", "CLI*"),
        ),
        Column(
            "destination",
            "Called destination number, digits without '+', or a SIP URI.",
            headers=("Destination",),
            required=True,
        ),
        _DURATION,
        Column(
            "billing_duration",
            "Seconds charged.",
            headers=("Billing Duration", "Billing Duration (sec)"),
            kind="integer",
        ),
        _DISCONNECT_CODE,
        Column(
            "disconnect_reason",
            "SIP response of the disconnect code (e.g. 'Request Terminated').",
            headers=("Disconnect Reason", "Response"),
        ),
        Column(
            "rate",
            "Destination rate, USD per minute.",
            headers=("Rate (USD per minute)", "Rate (USD)"),
            kind="decimal",
        ),
        Column(
            "charged", "Total amount charged for the call, USD.", headers=("Charged (USD)",), kind="decimal"
        ),
        Column(
            "cdr_type",
            "International, Local or Origin based (calls within the EEA).",
            headers=("CDR Type", "CDR Type*", "Call Type"),
        ),
        Column(
            "country_name",
            "Called destination country name.",
            headers=("Country Name", "Destination Country"),
        ),
        Column("network_name", "Called destination network name.", headers=("Network Name", "Network")),
        Column("trunk_name", "Outbound trunk name.", headers=("Trunk Name", "Voice OUT Trunk")),
        _TOLLFREE_AMOUNT,
        _CUSTOMER_ID,
        _SELL_AMOUNT,
    ),
    one_of=(("cli", "billing_duration", "rate", "charged"),),
    natural_key=("start_time", "source", "destination", "duration"),
)
