"""Exports to the ad platforms, one module per format: plain functions from an organization to bytes or payloads.

Every exporter reads the account through :func:`campaigns.exporters.account.load_account`, which passes each item
through the shared validator first; an invalid item is reported as a :class:`~campaigns.exporters.validation.Problem`
and left out of the export.
"""
