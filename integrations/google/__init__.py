"""Google Workspace behind the integration interfaces: Docs and Drive for the plan document,
Calendar for the check-ins, Gmail for messages and the Admin SDK for the org directory."""
