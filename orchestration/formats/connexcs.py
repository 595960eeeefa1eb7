"""ConnexCS CDR download (seed 004): the portal's CSV, with the columns the user chose to show.

The user picks the columns, so only the essentials are required: ``Call Time``, ``Destination`` and
``Duration``. ``Call Time`` is a header no other format carries, so even a file with only those three
columns is told apart from every other format. Downloads are always in UTC.

Natural key: a file may lack any optional column, and two downloads of the same call with different
column choices must give one call, so the key is the three essentials every download carries (call
time, destination, duration). ``Call ID`` is kept as the call's id, not keyed on: a key with it would
differ between a download that shows it and one that does not.
"""

from orchestration.formats.spec import Column, FormatSpec

CONNEXCS_CDR = FormatSpec(
    name="connexcs_cdr",
    vendor="connexcs",
    description="ConnexCS CDR download CSV: one row per call, a user-chosen subset of the portal's columns.",
    documentation="shared/seeds/004: 'Call Detail Record' (Carrier / Customer CDR, Download)",
    columns=(
        Column("call_id", "ConnexCS call id (SIP Call-ID).", headers=("Call ID",)),
        Column("switch", "Switch (server) that handled the call.", headers=("Switch",)),
        Column(
            "call_time",
            "When the call was placed, 'YYYY-MM-DD HH:MM:SS' UTC.",
            headers=("Call Time",),
            required=True,
            kind="timestamp",
        ),
        Column("source_number", "Calling number (CLI) as received.", headers=("Source Number",)),
        Column("card_id", "Customer card (account) id.", headers=("Card ID",)),
        Column(
            "tech_prefix", "Technical prefix the customer's traffic is routed by.", headers=("Tech Prefix",)
        ),
        Column(
            "destination",
            "Dialled number as received (E.164 digits, possibly with '+').",
            headers=("Destination",),
            required=True,
        ),
        Column("lrn_number", "Location Routing Number of a ported number.", headers=("LRN Number",)),
        Column(
            "duration",
            "Connected seconds; 0 when not answered.",
            headers=("Duration",),
            required=True,
            kind="integer",
        ),
        Column("recording", "Call recording reference, if recorded.", headers=("Recording",)),
        Column(
            "release_reason",
            "Why the call was released (e.g. 'Normal Clearing').",
            headers=("Release Reason",),
        ),
        Column("pdd_in", "Post-dial delay on the inbound leg, seconds.", headers=("PDD In",), kind="decimal"),
        Column(
            "ring_duration",
            "Seconds from placing the call to answer (or to giving up).",
            headers=("Ring Duration",),
            kind="integer",
        ),
        Column("sip_code", "Final SIP response code.", headers=("SIP Code",), kind="integer"),
        Column("sip_reason", "Reason phrase of the SIP code.", headers=("SIP Reason",)),
        Column("dtmf", "DTMF digits sent during the call.", headers=("DTMF",)),
        Column(
            "direction",
            "Origination (inbound to a DID) or Termination (outbound); some downloads say inbound / outbound.",
            headers=("Direction",),
        ),
        Column("source_ip", "Signalling IP of the customer's switch.", headers=("Source IP",)),
        Column(
            "destination_code", "Rate deck prefix the destination matched.", headers=("Destination Code",)
        ),
        Column("destination_name", "Rate deck name of the destination.", headers=("Destination Name",)),
        Column(
            "billed_duration",
            "Seconds billed after the rate's increments.",
            headers=("Billed Duration",),
            kind="integer",
        ),
        Column("rate", "Rate per minute, account currency.", headers=("Rate",), kind="decimal"),
        Column(
            "connect_cost",
            "Connection fee, account currency (already part of Charge).",
            headers=("Connect Cost",),
            kind="decimal",
        ),
        Column("pdd", "Post-dial delay, seconds.", headers=("PDD",), kind="decimal"),
        Column(
            "charge",
            "What the call cost, connection fee included, account currency.",
            headers=("Charge",),
            kind="decimal",
        ),
    ),
    natural_key=("call_time", "destination", "duration"),
)
