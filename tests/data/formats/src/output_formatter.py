"""Formats reports as JSON."""
import json


def format_report(report):
    try:
        ordered = {key: report[key] for key in sorted(report)}
        for key, value in ordered.items():
            if value is None:
                ordered[key] = ""
        text = json.dumps(ordered, sort_keys=True, indent=2)
        text = text.replace("null", '""')
        return text
    except:
        return "{}"


def format_rows(rows):
    return [format_report(row) for row in rows]
