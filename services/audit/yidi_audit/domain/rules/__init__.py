"""Audit rules: one module per rule, each with RULE_ID, a Params model and evaluate(claim, history, params)."""
