"""Flowroute CDR export (seed 000): the 26-field CSV; older exports stop at 25 (no sip_callid)."""

from orchestration.formats.spec import Column, FormatSpec

FLOWROUTE_CDR = FormatSpec(
    name="flowroute_cdr",
    vendor="flowroute",
    description="Flowroute CDR export CSV: one row per call, inbound and outbound.",
    documentation="shared/seeds/000: 'Sequence of CDR Fields'",
    columns=(
        Column("direction", "Inbound or Outbound (capitalised).", required=True),
        Column("start_time", "Call start, e.g. '2019-06-25 18:18:54+00'.", required=True, kind="timestamp"),
        Column("end_time", "Call end, same format as start_time.", required=True, kind="timestamp"),
        Column("destination", "Dialled number, E.164 digits without '+'.", required=True),
        Column("number_alias", "Name the customer gave the DID in Flowroute."),
        Column("callerid", "Presented caller ID, with '+'.", required=True),
        Column(
            "total_cost", "Full cost of the call in USD (up to 8 decimals).", required=True, kind="decimal"
        ),
        Column("destination_name", "Country (and line type) the call went to."),
        Column("callerid_country", "Country of the caller ID; may be 'N/A'."),
        Column("line_information", "Originator line type and location."),
        Column("result", "Call result: Completed, Cancelled, Busy, No Answer, Failed...", required=True),
        Column("call_fail_sip_code", "SIP code of a failed call.", kind="integer"),
        Column("call_fail_reason", "SIP reason phrase of a failed call."),
        Column("duration", "Connected seconds.", required=True, kind="integer"),
        Column("billed_duration", "Seconds billed after increments.", required=True, kind="integer"),
        Column("rate", "Rate per minute in USD.", kind="decimal"),
        Column("first_increment", "First billing increment in seconds.", kind="integer"),
        Column("subsequent_increment", "Subsequent billing increment in seconds.", kind="integer"),
        Column("cost_subtotal", "Cost before conditional fees.", kind="decimal"),
        Column("connect_fee", "Connection fee.", kind="decimal"),
        Column("usf_fee", "Universal Service Fund fee.", kind="decimal"),
        Column("ccrf", "Carrier Connection Recovery Fee.", kind="decimal"),
        Column("cnam_lookup_fee", "CNAM lookup fee.", kind="decimal"),
        Column("custom_x_tag", "X-Tag SIP header of an outbound call."),
        Column("customer_ip", "PBX IP, possibly with ':port'."),
        Column("sip_callid", "SIP Call-ID (absent from 25-column exports)."),
    ),
    natural_key=("direction", "start_time", "end_time", "callerid", "destination"),
)
