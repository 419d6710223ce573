"""Reports computed from stored records (calls, agent state log, voicemail, script runs).

The counting rules live in ``metrics`` and are shared with the live monitor, so a report and the
monitor's counters for the same period give the same figures.
"""
