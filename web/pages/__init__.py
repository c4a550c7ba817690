"""The pages people use, one module each: my plans, a new plan, a plan, HR's dashboard, me."""
