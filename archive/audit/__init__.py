"""The auditors' side of the archive: which documents are the required annual reports, the deadlines
that apply to them (as data, with their legal source), and (to come) verdicts with evidence."""
