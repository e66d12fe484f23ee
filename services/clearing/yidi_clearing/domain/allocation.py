"""Sharing whole fen exactly."""
from __future__ import annotations


def pro_rata_fen(available: int, claims: list[int]) -> list[int]:
    """Split `available` fen over `claims` in proportion when it is short (largest remainder).

    Each claim first gets floor(available × claim / Σ claims); the fen left over go one each to
    the largest dropped fractions, ties to the earlier claim. Σ result = min(available, Σ claims)
    and no claim gets more than it asked.
    """
    total = sum(claims)
    if total <= available:
        return list(claims)
    shares = [available * c // total for c in claims]
    leftover = available - sum(shares)
    by_fraction = sorted(range(len(claims)), key=lambda i: (-(available * claims[i] % total), i))
    for i in by_fraction[:leftover]:
        shares[i] += 1
    return shares
