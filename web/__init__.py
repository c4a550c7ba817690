"""The web app: each person signs in and does their part of a plan in a browser.

Server-rendered pages (FastAPI + Jinja2, a little htmx) and a JSON API under `/api`, both on
the same two services the CLI uses: `PlanClient` (a plan's live state and every action, through
the workflow) and `HrDesk` (lists, from HR's store).
"""
