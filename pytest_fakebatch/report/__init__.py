"""What a person reads after a run: the "fakebatch" section of a failed test's report, the HTML
timeline pages, and the Docker progress line.

Imports the facade, the inspection records and the events; nothing imports it but the plugin.
"""
