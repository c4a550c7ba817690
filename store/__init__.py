"""HR's read model: plans, versions, signatures, check-ins, reviews and the audit log in SQL.

Written only by the recording activity (`PlanRecords`), read by HR's queries (`HrQueries`).
"""
