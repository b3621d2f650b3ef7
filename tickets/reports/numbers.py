"""How the report's numbers are rounded and shown: every rate is kept exact (a Fraction) and
rounded once, here, where it is shown; the handling time likewise."""

from decimal import Decimal
from fractions import Fraction

# A rate is shown as a percentage with this many decimals ("54.5%"); handling time with one.
PERCENT_PLACES = 1
HANDLING_PLACES = 1


def _ratio(numerator, denominator):
    """The exact rate (a Fraction), or None without a denominator. Rounded only where it is shown."""
    if not denominator:
        return None
    return Fraction(numerator, denominator)


def rounded(value: Fraction | Decimal | int, *, places: int) -> Decimal:
    """`value` rounded once, half-up (half away from zero), to `places` decimals, from its exact
    value: rounded(Fraction(6, 11), places=4) is Decimal("0.5455"), rounded(Fraction(1, 32),
    places=4) Decimal("0.0313"). Every rate and the handling time are rounded here and nowhere else."""
    scaled = Fraction(value) * 10**places
    whole, remainder = divmod(abs(scaled.numerator), scaled.denominator)
    if 2 * remainder >= scaled.denominator:
        whole += 1
    return Decimal(-whole if scaled < 0 else whole).scaleb(-places)


def shown_rate(value: Fraction | Decimal | int | None) -> Decimal | None:
    """The rate as shown, rounded once to a tenth of a percent: Decimal("0.545") for 6/11 (54.5%)."""
    if value is None:
        return None
    return rounded(value, places=PERCENT_PLACES + 2)


def format_rate(value: Fraction | Decimal | int | None) -> str:
    """The rate as a percentage: "54.5%" for Fraction(6, 11) (the exact rate rounded once); "—" for None."""
    shown = shown_rate(value)
    if shown is None:
        return "—"
    return f"{(shown * 100).quantize(Decimal(1).scaleb(-PERCENT_PLACES))}%"  # exact: no second rounding
