"""Parses Interspace's iCalendar output with the `icalendar` package from PyPI (strict mode)
and checks every event against what the test expects.

Environment: EXPECT, a JSON list of {"file": path, "events": [{"uid", "summary", "start_utc",
"end_utc", "tzid"}]}. Prints OK at the end.
"""
import datetime
import json
import os
import sys

import icalendar


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


def utc(value):
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


for spec in json.loads(os.environ["EXPECT"]):
    with open(spec["file"], "rb") as f:
        raw = f.read()
    check(raw.endswith(b"\r\n"), f"{spec['file']}: CRLF line ends")
    check(all(len(line) <= 75 for line in raw.split(b"\r\n")), "lines folded at 75 octets")
    cal = icalendar.Calendar.from_ical(raw)
    check(cal.get("VERSION") == "2.0", "VERSION:2.0")
    zones = {str(z.get("TZID")) for z in cal.walk("VTIMEZONE")}
    events = cal.walk("VEVENT")
    check(len(events) == len(spec["events"]), f"{len(events)} events, wanted {len(spec['events'])}")
    for got, want in zip(events, spec["events"]):
        check(str(got.get("UID")) == want["uid"], f"UID {got.get('UID')}")
        check(str(got.get("SUMMARY")) == want["summary"], f"SUMMARY {got.get('SUMMARY')}")
        start, end = got.decoded("DTSTART"), got.decoded("DTEND")
        check(utc(start) == want["start_utc"], f"DTSTART {start} is {want['start_utc']}")
        check(utc(end) == want["end_utc"], f"DTEND {end} is {want['end_utc']}")
        tzid = got["DTSTART"].params.get("TZID")
        check(tzid == want["tzid"], f"TZID {tzid}")
        check(tzid in zones, f"a VTIMEZONE for {tzid} in {zones}")
    print(spec["file"], len(events), "events")
print("OK")
