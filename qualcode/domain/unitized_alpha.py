"""Krippendorff's unitized alpha family: |uα, uα, cuα and (k)uα, with bootstrap intervals.

Coders mark stretches ``[start, end)`` of a text with codes; nobody agrees on units in
advance. The family measures how far the coders agree on *where* and *what*, counting
the uncoded stretches (gaps) as the definition says, and works for any number of coders.

Sources: K. Krippendorff, Y. Mathet, S. Bouvry and A. Widlöcher (2016), "On the
reliability of unitizing textual continua: Further developments", Quality & Quantity
50:2347-2364, doi 10.1007/s11135-015-0266-1 (its corrected definitions for more than two
observers); K. Krippendorff (2019), Content Analysis, 4th ed., section 12.6.

The definitions, as computed here
---------------------------------
Each coder's coding partitions the continuum into *segments*: units (a value) and gaps
(no value, φ). For an ordered pair of different coders ``i != j``, every stretch where
``i`` has value ``c`` and ``j`` has value ``k`` adds its length to the observed
coincidence ``l[c, k]``; the sum is divided by ``m - 1`` (``m`` coders), so ``l..`` is
``m`` times the length of the continuum. Expected coincidences pair matter at random but
never a unit with itself:

    e[c, k] = (l[c.] * l[.k] - [c == k] * S[c]) / (l.. - S / l..)

where ``S[c]`` sums the squared lengths of the units of value ``c`` and, for gaps, the
plain lengths (a gap has no boundaries to agree on, so it pairs like single positions),
and ``S`` is the sum over all values. Then, with D = disagreement share:

- uα: nominal alpha over the full matrices, ``1 - D_o / D_e`` with
  ``D_o = 1 - Σ l[c, c] / l..`` and ``D_e = 1 - Σ e[c, c] / l..``.
- |uα: the same matrices collapsed to gap / not gap (did coders find the same relevant
  matter, whatever its code).
- cuα: only coincidences between two units (no gap on either side): do coders who both
  coded a stretch give it the same code. Its expected matrix uses each unit's *pairable*
  mass (see the choices below) in place of its length.
- (k)uα: for one value ``k`` in cuα's matrices,
  ``1 - (e[k.] / l[k.]) * (l[k.] - l[k, k]) / (e[k.] - e[k, k])``.

Choices where the sources differ or are silent
----------------------------------------------
- **Several sources**: continua are laid end to end. A boundary always falls at a
  source's end, so no unit or gap runs from one source into the next, each source's
  gaps are its own, and chance pairing (the expected matrix) is over the pooled matter.
- **Pairable length with three or more coders (cuα, (k)uα)**: a unit's pairable mass is
  what it contributes to cuα's observed matrix, the mean over the *other* coders of its
  overlap with their units (for two coders: its overlap with the other's units). Its
  square is the self-pairing correction. The readings found elsewhere, the squared
  overlap with the union of the others' units (quallmer's reading of Krippendorff 2019,
  eqs. 36-37) or the mean of per-pair squared overlaps, agree for two coders but with
  three can exceed ``l[c.]**2`` and make an expected coincidence negative; ours cannot.
  Ours is also the only one of the three under which cuα of predefined units is ordinary
  alpha when values are missing: it reproduces Krippendorff's four-observer example
  (0.743), where the others give 0.745 and 0.747 (tests/test_unitized_published.py).
- **The 2004 coefficient** (Content Analysis, 2nd ed., p. 254) measured disagreement by
  squared boundary offsets; this module follows the 2013/2016 definitions (lengths of
  non-matching stretches), so its printed 0.7286 for ``c`` is not reproduced, by design.
- **One coder's touching or overlapping segments with the same code** are one unit (the
  union): a coder who splits a passage in two has still marked one stretch with that code.
- **One coder's overlapping segments with different codes** (qualcode lets a coder apply
  several codes to one passage): where they overlap, the coder's value is the
  *combination* (e.g. ``"a+b"``), a value of its own in uα and cuα. It agrees only with
  another coder who applied the same combination there; (k)uα for ``a`` counts the
  stretches coded ``a`` alone. |uα is unaffected (coded is coded).
- **Who takes part**: every coder in ``coders``, also one who coded nothing (all gap,
  which is a finding: they saw nothing to code). Segments by other coders or with codes
  not in ``codes`` are ignored.
- **Undefined** coefficients are ``None`` with a reason: fewer than two coders, nothing
  coded, no stretch coded by two coders at once (cuα, (k)uα), a code never applied where
  another coder also coded ((k)uα), or an expected disagreement of zero.

Bootstrap (see ``bootstrap``): as Hayes and Krippendorff (2007, "Answering the call for a
standard reliability measure for coding data", Communication Methods and Measures 1:77-89)
bootstrap alpha, and as the 2016 paper (section 6) applies to the family, the expected
disagreement is held fixed and the observed disagreement is resampled; the resampled
items are the pairable elementary stretches (between consecutive boundaries of any coder),
each carrying its observed coincidences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from qualcode.domain.agreement import THRESHOLDS

BINARY = "|uα"
UNITIZING = "uα"
CODING = "cuα"
PER_CODE = "(k)uα"

_WHICH = {
    BINARY: BINARY,
    "binary": BINARY,
    UNITIZING: UNITIZING,
    "unitizing": UNITIZING,
    CODING: CODING,
    "coding": CODING,
    PER_CODE: PER_CODE,
    "code": PER_CODE,
    "per_code": PER_CODE,
}

TOO_FEW_CODERS = "needs at least two coders; only {m} took part"
NOTHING_CODED = "no coder coded anything, so there is nothing to agree on"
NO_DOUBLE_CODING = "no stretch was coded by two coders at once"
CODE_NOT_PAIRED = "code {code!r} was never applied where another coder also coded"
NO_EXPECTED = "expected disagreement is zero ({why}), so alpha is undefined"


@dataclass(frozen=True, slots=True)
class Segment:
    """One coder marked ``[start, end)`` of the continuum with one code."""

    coder: str
    code: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Continuum:
    """One source's text as a line of ``length`` positions (code points)."""

    name: str
    length: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class Coefficient:
    """One member of the family, with the numbers it was computed from.

    ``observed`` and ``expected`` are disagreement shares (0..1 for uα); ``length`` is the
    pairable length in characters: the continuum for uα and |uα, and for cuα and (k)uα
    the coincidences between units divided by the number of coders.
    """

    name: str
    code: str | None
    value: float | None
    reason: str | None
    observed: float
    expected: float
    coders: int
    length: float
    segments: int


@dataclass(frozen=True, slots=True)
class UnitizedFamily:
    """|uα, uα, cuα and one (k)uα per code, in the order codes were given."""

    coders: tuple[str, ...]
    binary: Coefficient
    unitizing: Coefficient
    coding: Coefficient
    per_code: tuple[Coefficient, ...]


@dataclass(frozen=True, slots=True)
class Confidence:
    """A bootstrap interval and the probabilities that alpha is below thresholds."""

    low: float | None
    high: float | None
    level: float
    below: tuple[tuple[float, float], ...]
    draws: int
    seed: int


FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class _Layout:
    """The pooled continuum cut at every boundary: what each coder has on each stretch.

    ``values[i, t]`` is coder ``i``'s value on elementary stretch ``t`` (0 = gap, then
    the codes in the given order, then combinations); ``widths[t]`` its length.
    """

    coders: tuple[str, ...]
    labels: tuple[str, ...]
    values: IntArray
    widths: FloatArray
    sources: IntArray
    total_length: float
    segments_per_code: tuple[int, ...]


def _check(continuum: Continuum, segment: Segment) -> None:
    if not 0 <= segment.start <= segment.end <= continuum.length:
        raise ValueError(
            f"segment [{segment.start}, {segment.end}) lies outside {continuum.name!r} "
            f"(length {continuum.length})"
        )


def _layout(continua: Sequence[Continuum], coders: Sequence[str], codes: Sequence[str]) -> _Layout:
    coder_ix = {name: i for i, name in enumerate(coders)}
    code_ix = {name: k for k, name in enumerate(codes)}
    lengths = np.array([c.length for c in continua], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    rows: list[tuple[int, int, int, int]] = []
    per_code = [0] * len(codes)
    for s, continuum in enumerate(continua):
        for seg in continuum.segments:
            _check(continuum, seg)
            if seg.coder in coder_ix and seg.code in code_ix and seg.end > seg.start:
                base = int(offsets[s])
                rows.append(
                    (coder_ix[seg.coder], code_ix[seg.code], base + seg.start, base + seg.end)
                )
                per_code[code_ix[seg.code]] += 1
    seg_arr = np.array(rows, dtype=np.int64).reshape(-1, 4)
    # Every source end is a boundary, so no stretch (and no unit) crosses into the next source.
    bounds = np.unique(np.concatenate((offsets, seg_arr[:, 2], seg_arr[:, 3])))
    widths = np.diff(bounds).astype(np.float64)
    keep = widths > 0
    starts = bounds[:-1][keep]
    widths = widths[keep]
    bounds = np.append(starts, offsets[-1])
    n_stretch = len(widths)
    sources = np.searchsorted(offsets, starts, side="right") - 1
    m, n_codes = len(coders), len(codes)
    # Coverage count per (coder, code, stretch) by difference arrays: no per-character loop.
    diff = np.zeros((m * n_codes, n_stretch + 1), dtype=np.int32)
    if len(seg_arr):
        row = seg_arr[:, 0] * n_codes + seg_arr[:, 1]
        np.add.at(diff, (row, np.searchsorted(bounds, seg_arr[:, 2])), 1)
        np.add.at(diff, (row, np.searchsorted(bounds, seg_arr[:, 3])), -1)
    covered = (np.cumsum(diff, axis=1)[:, :n_stretch] > 0).reshape(m, n_codes, n_stretch)
    values, labels = _values(covered, codes)
    return _Layout(
        coders=tuple(coders),
        labels=labels,
        values=values,
        widths=widths,
        sources=sources.astype(np.int64),
        total_length=float(offsets[-1]),
        segments_per_code=tuple(per_code),
    )


def _values(covered: NDArray[np.bool_], codes: Sequence[str]) -> tuple[IntArray, tuple[str, ...]]:
    """Each coder's value per stretch: gap, a single code, or a combination of codes."""
    m, n_codes, n_stretch = covered.shape
    flat = covered.transpose(0, 2, 1).reshape(m * n_stretch, n_codes)
    packed = np.packbits(flat, axis=1) if n_codes else np.zeros((m * n_stretch, 1), np.uint8)
    keys = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1]))).ravel()
    uniq, inverse = np.unique(keys, return_inverse=True)
    first = np.zeros(len(uniq), dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(inverse))[::-1]
    patterns = flat[first]
    counts = patterns.sum(axis=1)
    # Fixed ids: 0 gap, 1..K the single codes in the given order, then combinations.
    ids = np.empty(len(uniq), dtype=np.int64)
    labels = ["", *codes]
    for u, pattern in enumerate(patterns):
        if counts[u] == 0:
            ids[u] = 0
        elif counts[u] == 1:
            ids[u] = 1 + int(np.flatnonzero(pattern)[0])
        else:
            ids[u] = len(labels)
            labels.append("+".join(codes[int(k)] for k in np.flatnonzero(pattern)))
    return ids[inverse.ravel()].reshape(m, n_stretch), tuple(labels)


@dataclass(frozen=True, slots=True)
class _Matrices:
    observed: FloatArray  # l[c, k], value 0 = gap
    expected: FloatArray  # e[c, k]
    cu_observed: FloatArray  # l*[c, k], units only
    cu_expected: FloatArray  # e*[c, k]
    counts: IntArray  # coders per (stretch, value)


def _counts(layout: _Layout) -> IntArray:
    n_values = len(layout.labels)
    m, n_stretch = layout.values.shape
    counts = np.zeros((n_stretch, n_values), dtype=np.int64)
    np.add.at(counts, (np.tile(np.arange(n_stretch), m), layout.values.ravel()), 1)
    return counts


def _runs(layout: _Layout, coder: int) -> IntArray:
    """Run id per stretch for one coder: a new unit starts where the value or source changes."""
    vals = layout.values[coder]
    change = np.ones(len(vals), dtype=bool)
    change[1:] = (vals[1:] != vals[:-1]) | (layout.sources[1:] != layout.sources[:-1])
    return np.cumsum(change) - 1


def _expected(observed: FloatArray, self_pairs: FloatArray) -> FloatArray:
    margins = observed.sum(axis=1)
    total = margins.sum()
    if total <= 0:
        return np.zeros_like(observed)
    expected = np.outer(margins, margins) - np.diag(self_pairs)
    # numpy types an array divided by a scalar as Any.
    scaled: FloatArray = expected / (total - self_pairs.sum() / total)
    return scaled


def _matrices(layout: _Layout) -> _Matrices:
    m = len(layout.coders)
    n_values = len(layout.labels)
    counts = _counts(layout)
    w = layout.widths
    as_float = counts.astype(np.float64)  # float @ float goes to BLAS; mixed types do not
    weighted = as_float * w[:, None]
    observed = (weighted.T @ as_float - np.diag(weighted.sum(axis=0))) / (m - 1)
    coded_here = counts[:, 1:].sum(axis=1)
    self_pairs = np.zeros(n_values)
    cu_self = np.zeros(n_values)
    for i in range(m):
        runs = _runs(layout, i)
        vals = layout.values[i]
        run_value = np.zeros(runs[-1] + 1 if len(runs) else 0, dtype=np.int64)
        run_value[runs] = vals
        run_len = np.bincount(runs, weights=w, minlength=len(run_value))
        # A gap pairs like single positions (no boundaries to agree on): its length, not squared.
        contrib = np.where(run_value == 0, run_len, run_len**2)
        self_pairs += np.bincount(run_value, weights=contrib, minlength=n_values)
        pairable = np.where(vals > 0, w * (coded_here - 1) / (m - 1), 0.0)
        run_mass = np.bincount(runs, weights=pairable, minlength=len(run_value))
        cu_self += np.bincount(run_value, weights=run_mass**2, minlength=n_values)
    cu_observed = observed.copy()
    cu_observed[0, :] = 0.0
    cu_observed[:, 0] = 0.0
    cu_self[0] = 0.0
    return _Matrices(
        observed=observed,
        expected=_expected(observed, self_pairs),
        cu_observed=cu_observed,
        cu_expected=_expected(cu_observed, cu_self),
        counts=counts,
    )


def _alpha(observed: float, expected: float, why: str) -> tuple[float | None, str | None]:
    if expected <= 1e-12:
        return None, NO_EXPECTED.format(why=why)
    return 1.0 - observed / expected, None


def _undefined(name: str, code: str | None, reason: str, m: int, segments: int) -> Coefficient:
    return Coefficient(name, code, None, reason, 0.0, 0.0, m, 0.0, segments)


def _unitizing(mx: _Matrices, layout: _Layout, n_segments: int) -> tuple[Coefficient, ...]:
    m = len(layout.coders)
    total = float(mx.observed.sum())
    if mx.observed[1:, :].sum() <= 0:
        return tuple(
            _undefined(name, None, NOTHING_CODED, m, n_segments) for name in (BINARY, UNITIZING)
        )
    d_o = 1.0 - float(np.trace(mx.observed)) / total
    d_e = 1.0 - float(np.trace(mx.expected)) / total
    value, reason = _alpha(d_o, d_e, "every coder coded everything")
    unitizing = Coefficient(
        UNITIZING, None, value, reason, d_o, d_e, m, layout.total_length, n_segments
    )
    b_o = 2.0 * float(mx.observed[0, 1:].sum()) / total
    b_e = 2.0 * float(mx.expected[0, 1:].sum()) / total
    value, reason = _alpha(b_o, b_e, "every coder coded everything")
    binary = Coefficient(BINARY, None, value, reason, b_o, b_e, m, layout.total_length, n_segments)
    return binary, unitizing


def _coding(mx: _Matrices, layout: _Layout, n_segments: int) -> Coefficient:
    m = len(layout.coders)
    total = float(mx.cu_observed.sum())
    if total <= 0:
        return _undefined(CODING, None, NO_DOUBLE_CODING, m, n_segments)
    d_o = 1.0 - float(np.trace(mx.cu_observed)) / total
    d_e = 1.0 - float(np.trace(mx.cu_expected)) / total
    value, reason = _alpha(d_o, d_e, "only one code was applied where coders overlap")
    return Coefficient(CODING, None, value, reason, d_o, d_e, m, total / m, n_segments)


def _per_code(mx: _Matrices, layout: _Layout, k: int, code: str) -> Coefficient:
    m = len(layout.coders)
    segments = layout.segments_per_code[k - 1]
    l_k = float(mx.cu_observed[k].sum())
    if l_k <= 0:
        return _undefined(PER_CODE, code, CODE_NOT_PAIRED.format(code=code), m, segments)
    e_k = float(mx.cu_expected[k].sum())
    d_o = (l_k - float(mx.cu_observed[k, k])) / l_k
    d_e = (e_k - float(mx.cu_expected[k, k])) / e_k if e_k > 0 else 0.0
    value, reason = _alpha(d_o, d_e, f"{code!r} is the only code applied where coders overlap")
    return Coefficient(PER_CODE, code, value, reason, d_o, d_e, m, l_k / m, segments)


def unitized_family(
    continua: Sequence[Continuum], coders: Sequence[str], codes: Sequence[str]
) -> UnitizedFamily:
    """The four coefficients over all ``continua`` (see the module docstring)."""
    coders, codes = tuple(dict.fromkeys(coders)), tuple(dict.fromkeys(codes))
    m = len(coders)
    if m < 2:
        reason = TOO_FEW_CODERS.format(m=m)
        return UnitizedFamily(
            coders,
            _undefined(BINARY, None, reason, m, 0),
            _undefined(UNITIZING, None, reason, m, 0),
            _undefined(CODING, None, reason, m, 0),
            tuple(_undefined(PER_CODE, code, reason, m, 0) for code in codes),
        )
    layout = _layout(continua, coders, codes)
    mx = _matrices(layout)
    n_segments = sum(layout.segments_per_code)
    binary, unitizing = _unitizing(mx, layout, n_segments)
    return UnitizedFamily(
        coders=coders,
        binary=binary,
        unitizing=unitizing,
        coding=_coding(mx, layout, n_segments),
        per_code=tuple(_per_code(mx, layout, k + 1, code) for k, code in enumerate(codes)),
    )


def _contributions(
    mx: _Matrices, layout: _Layout, which: str, k: int
) -> tuple[FloatArray, FloatArray]:
    """Per stretch: (observed disagreement, pairable mass) behind the chosen D_o."""
    m = len(layout.coders)
    counts = mx.counts.astype(np.float64)
    w = layout.widths / (m - 1)
    coded = counts[:, 1:].sum(axis=1)
    same = (counts * (counts - 1)).sum(axis=1)
    if which == UNITIZING:
        mass = w * m * (m - 1)
        return mass - w * same, mass
    if which == BINARY:
        return 2.0 * w * counts[:, 0] * coded, w * m * (m - 1)
    if which == CODING:
        mass = w * coded * (coded - 1)
        return mass - w * (same - counts[:, 0] * (counts[:, 0] - 1)), mass
    mass = w * counts[:, k] * (coded - 1)
    return mass - w * counts[:, k] * (counts[:, k] - 1), mass


def bootstrap(
    continua: Sequence[Continuum],
    coders: Sequence[str],
    codes: Sequence[str],
    which: str,
    code: str | None = None,
    *,
    draws: int = 1000,
    seed: int = 20161,
    level: float = 0.95,
    thresholds: Sequence[float] = THRESHOLDS,
) -> Confidence:
    """A bootstrap interval for one coefficient and ``q(alpha < threshold)``.

    ``which`` is ``"|uα"``/``"binary"``, ``"uα"``/``"unitizing"``, ``"cuα"``/``"coding"``
    or ``"(k)uα"``/``"code"`` (then ``code`` names the code). D_e is held fixed and the
    pairable elementary stretches are drawn with replacement, as many as there are
    (module docstring). The same ``seed`` gives the same interval. Undefined alpha gives
    ``low = high = None`` and no probabilities.
    """
    name = _WHICH.get(which)
    if name is None:
        raise ValueError(f"unknown coefficient {which!r}; one of {sorted(set(_WHICH))}")
    coders, codes = tuple(dict.fromkeys(coders)), tuple(dict.fromkeys(codes))
    if name == PER_CODE and code not in codes:
        raise ValueError(f"(k)uα needs one of the codes, not {code!r}")
    undefined = Confidence(None, None, level, (), draws, seed)
    family = unitized_family(continua, coders, codes)
    point = {BINARY: family.binary, UNITIZING: family.unitizing, CODING: family.coding}.get(name)
    if point is None:
        point = family.per_code[codes.index(code)]
    if point.value is None:
        return undefined
    layout = _layout(continua, coders, codes)
    k = codes.index(code) + 1 if code in codes else 0
    disagreement, mass = _contributions(_matrices(layout), layout, name, k)
    pairable = mass > 0
    disagreement, mass = disagreement[pairable], mass[pairable]
    alphas = _resample(disagreement, mass, point.expected, draws, seed)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(alphas, [tail, 1.0 - tail])
    below = tuple((float(t), float(np.mean(alphas < t))) for t in thresholds)
    return Confidence(float(low), float(high), level, below, draws, seed)


def _resample(
    disagreement: FloatArray, mass: FloatArray, expected: float, draws: int, seed: int
) -> FloatArray:
    rng = np.random.default_rng(seed)
    n = len(mass)
    alphas = np.empty(draws)
    # Chunks keep the index matrix to a few million entries whatever the continuum's size.
    chunk = max(1, 4_000_000 // max(n, 1))
    for first in range(0, draws, chunk):
        rows = min(chunk, draws - first)
        idx = rng.integers(0, n, size=(rows, n))
        observed = disagreement[idx].sum(axis=1) / mass[idx].sum(axis=1)
        alphas[first : first + rows] = 1.0 - observed / expected
    return alphas


@dataclass(frozen=True, slots=True)
class UnitizedReport:
    """The family over a project's double-coded material, and what that material was.

    ``sources`` are the transcripts compared: every compared coder coded something in
    each (unless absent coders counted as coding nothing); ``left_out`` are the others.
    ``characters`` is the compared sources' length, ``all_characters`` every selected
    source's. ``confidence`` holds bootstrap intervals by coefficient label ("|uα",
    "uα", "cuα", or a code's path for its (k)uα) when they were asked for.
    """

    family: UnitizedFamily
    codes: tuple[str, ...]
    sources: tuple[str, ...]
    left_out: tuple[str, ...]
    characters: int
    all_characters: int
    absent_is_uncoded: bool = False
    confidence: tuple[tuple[str, Confidence], ...] = ()
    # For each source left out, the compared coders who coded nothing there.
    uncoded_by: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def confidence_of(self, label: str) -> Confidence | None:
        return dict(self.confidence).get(label)
