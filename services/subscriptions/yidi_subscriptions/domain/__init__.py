"""Pure rules of subscriptions: scope, signatures, retries, what a delivery carries."""
