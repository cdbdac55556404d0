"""Student's t distribution in pure Python: the multiplier of every confidence interval.

scipy is a development-only dependency (tests compare against it), so the quantile is computed
here from the regularized incomplete beta function and an asymptotic expansion for large df.
"""

import math
import sys
from statistics import NormalDist

# From here on the t quantile comes from its asymptotic expansion (see _cornish_fisher).
_LARGE_DF = 1e5


def _log_gamma_half_ratio(a: float) -> float:
    """Return ln Γ(a + ½) - ln Γ(a), which normalizes the Student t density and tails.

    Subtracting two ``lgamma`` values of about 10⁶ would lose digits, so large arguments use
    the difference of the two Stirling series, where nothing cancels.
    """
    if a < 50.0:
        return math.lgamma(a + 0.5) - math.lgamma(a)

    def stirling_tail(z: float) -> float:
        w = 1.0 / (z * z)
        return (1.0 / 12.0 - w * (1.0 / 360.0 - w * (1.0 / 1260.0 - w / 1680.0))) / z

    return (
        a * math.log1p(0.5 / a)
        - 0.5
        + 0.5 * math.log(a)
        + stirling_tail(a + 0.5)
        - stirling_tail(a)
    )


def _beta_fraction(a: float, b: float, x: float) -> float:
    """Return the continued fraction F of I_x(a, b) = x^a (1-x)^b / (a B(a, b)) · F.

    Evaluated with the modified Lentz recurrence. It converges quickly when
    ``x < (a + 1) / (a + b + 2)``, which the caller guarantees by choosing the tail.
    """
    tiny = 1e-300

    def guarded(value: float) -> float:
        return value if abs(value) > tiny else tiny

    c = 1.0
    d = 1.0 / guarded(1.0 - (a + b) * x / (a + 1.0))
    result = d
    for m in range(1, 10_000):
        even = m * (b - m) * x / ((a + 2 * m - 1.0) * (a + 2 * m))
        odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1.0))
        for coefficient in (even, odd):
            d = 1.0 / guarded(1.0 + coefficient * d)
            c = guarded(1.0 + coefficient / c)
            result *= c * d
        if abs(c * d - 1.0) < 1e-16:
            return result
    raise ArithmeticError(f"incomplete beta fraction did not converge (a={a}, b={b}, x={x})")


def _t_tail_and_centre(t: float, df: float) -> tuple[float, float]:
    """Return (ln P(T > t), P(0 < T < t)) for t > 0, each accurate to its own size.

    Whichever of the two is small is computed directly from the incomplete beta function
    I_x(df/2, ½) with x = df / (df + t²); the other is its complement to ½. The tail is
    returned as a logarithm so that it stays finite and precise however far out t lies.
    """
    a = 0.5 * df
    # ln x and ln(1 - x) without forming t² (overflow) or 1 - x (cancellation).
    if t * t < df:
        s = t / math.sqrt(df)
        log_x = -math.log1p(s * s)
        log_y = 2.0 * math.log(s) + log_x
    else:
        r = math.sqrt(df) / t
        log_y = -math.log1p(r * r)
        log_x = 2.0 * math.log(r) + log_y
    x = math.exp(log_x)
    log_front = a * log_x + 0.5 * log_y + _log_gamma_half_ratio(a) - 0.5 * math.log(math.pi)
    if x < (a + 1.0) / (a + 2.5):
        log_tail = log_front - math.log(df) + math.log(_beta_fraction(a, 0.5, x))
        return log_tail, 0.5 - math.exp(log_tail)
    centre = math.exp(log_front) * _beta_fraction(0.5, a, math.exp(log_y))
    return math.log(0.5 - centre), centre


def _t_log_density(t: float, df: float) -> float:
    s = t / math.sqrt(df)
    log1p_s2 = math.log1p(s * s) if s < 1e150 else 2.0 * math.log(s) + math.log1p(1 / (s * s))
    return (
        _log_gamma_half_ratio(0.5 * df)
        - 0.5 * math.log(df * math.pi)
        - 0.5 * (df + 1.0) * log1p_s2
    )


def _cornish_fisher(z: float, df: float) -> float:
    """Return the t quantile from the normal quantile ``z`` by its expansion in 1/df.

    Abramowitz & Stegun 26.7.5 up to the 1/df⁴ term: exact to rounding once df is large,
    and a close starting point for the iterative solution otherwise.
    """
    w = z * z
    g1 = (w + 1.0) / 4.0
    g2 = ((5.0 * w + 16.0) * w + 3.0) / 96.0
    g3 = (((3.0 * w + 19.0) * w + 17.0) * w - 15.0) / 384.0
    g4 = ((((79.0 * w + 776.0) * w + 1482.0) * w - 1920.0) * w - 945.0) / 92160.0
    return z * (1.0 + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df)


def _t_upper_quantile(tail: float, df: float) -> float:
    """Return the t > 0 with P(T > t) = tail, for 0 < tail < ½.

    For df >= 10⁵ the Cornish-Fisher expansion is already exact to rounding (and the
    incomplete beta function would lose digits there). Otherwise Newton's method, kept
    inside a bracket that shrinks with every step: the normal quantile is a lower bound
    (t tails are heavier) and the power-law tail of t an upper bound. A step that would
    leave the bracket is replaced by bisection.
    """
    z = -NormalDist().inv_cdf(tail)
    t = _cornish_fisher(z, df)
    if df >= _LARGE_DF:
        return t
    low = z
    log_beta = 0.5 * math.log(math.pi) - _log_gamma_half_ratio(0.5 * df)
    log_high = 0.5 * math.log(df) - (math.log(df) + log_beta + math.log(tail)) / df
    high = math.exp(log_high) if log_high < 709.0 else sys.float_info.max
    if high == sys.float_info.max and _t_tail_and_centre(high, df)[0] > math.log(tail):
        return math.inf  # only for df < 1 with an astronomically small tail
    if not low < t < high:
        t = low
    # Far tails are solved for ln P(T > t) against ln t, where a power-law tail is a
    # straight line that one Newton step crosses; the body is solved against P(0 < T < t).
    # Neither residual suffers cancellation.
    log_target = math.log(tail)
    for _ in range(200):
        log_upper, centre = _t_tail_and_centre(t, df)
        log_density = _t_log_density(t, df)
        if tail < 0.25:
            excess = log_upper - log_target
            log_step = excess * math.exp(log_upper - log_density - math.log(t))
            proposal = t * math.exp(log_step) if abs(log_step) < 700.0 else math.inf
        else:
            excess = (0.5 - tail) - centre
            proposal = t + excess / math.exp(log_density)
        if excess == 0.0:
            return t
        if excess > 0.0:
            low = t
        else:
            high = t
        if not low < proposal < high:
            # Geometric bisection: in a heavy tail the bracket can span many decades.
            proposal = math.sqrt(low) * math.sqrt(high)
        if abs(proposal - t) <= 1e-15 * t:
            return proposal
        t = proposal
    raise ArithmeticError(f"t quantile did not converge (tail={tail}, df={df})")


def t_quantile(p: float, df: float) -> float:
    """Return the p-quantile of Student's t distribution with ``df`` degrees of freedom.

    The multiplier of every confidence interval in the app. ``df`` may be fractional (Welch)
    or ``math.inf`` (the normal distribution). Agrees with scipy.stats.t.ppf to about 1e-12
    relative without making scipy a runtime dependency.
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be between 0 and 1, got {p}")
    if not df > 0.0:
        raise ValueError(f"df must be positive, got {df}")
    if p == 0.5:
        return 0.0
    if math.isinf(df):
        return NormalDist().inv_cdf(p)
    if p < 0.5:
        return -_t_upper_quantile(p, df)
    return _t_upper_quantile(1.0 - p, df)
